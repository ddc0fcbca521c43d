import LedgerCrypto

/// `party.registered`: a new organisation with its kind, roles and key.
public struct PartyRegisteredBody: EventBodyCoding {
    static let type = EventType.partyRegistered
    /// The new party's id.
    public let party: String
    /// Display name.
    public let name: String
    /// Kind of organisation.
    public let kind: PartyKind
    /// Roles, sorted and unique (may be empty).
    public let roles: [PartyRole]
    /// The party's first signing key.
    public let key: PublicKey

    /// Creates the body; `roles` are sorted and deduplicated.
    public init(party: String, name: String, kind: PartyKind, roles: [PartyRole], key: PublicKey) {
        self.party = party
        self.name = name
        self.kind = kind
        self.roles = Array(Set(roles)).sorted()
        self.key = key
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        party = try reader.partyID("party")
        name = try reader.text("name")
        kind = try reader.enumeration("kind", PartyKind.self)
        let names = try reader.stringList("roles")
        var roles: [PartyRole] = []
        for (index, roleName) in names.enumerated() {
            guard let role = PartyRole(rawValue: roleName) else {
                throw FormatError(.invalidValue, field: "body.roles[\(index)]", "\"\(quotedForMessage(roleName))\" is not one of \"provider\", \"recipient\", \"regulator\", \"registrar\"")
            }
            if let last = roles.last, !(last < role) {
                throw FormatError(.invalidValue, field: "body.roles[\(index)]", "roles must be sorted and unique")
            }
            roles.append(role)
        }
        self.roles = roles
        key = try reader.publicKey("key")
    }

    var members: [String: JSONValue] {
        ["party": .string(party), "name": .string(name), "kind": .string(kind.rawValue),
         "roles": roles.map(\.rawValue).json, "key": .string(key.string)]
    }
}

/// `party.key-rotated`: the author's new key; the old one is retired from the next entry on.
public struct PartyKeyRotatedBody: EventBodyCoding {
    static let type = EventType.partyKeyRotated
    /// The new key.
    public let key: PublicKey
    /// Creates the body.
    public init(key: PublicKey) { self.key = key }
    init(reading reader: inout ObjectReader) throws(FormatError) { key = try reader.publicKey("key") }
    var members: [String: JSONValue] { ["key": .string(key.string)] }
}

/// `party.suspended` and `party.reinstated`: a party's right to write is switched off or on.
public struct PartyStatusBody: Hashable, Sendable {
    /// The party concerned.
    public let party: String
    /// Why.
    public let reason: String
    /// Creates the body.
    public init(party: String, reason: String) {
        self.party = party
        self.reason = reason
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        party = try reader.partyID("party")
        reason = try reader.text("reason")
    }

    var members: [String: JSONValue] { ["party": .string(party), "reason": .string(reason)] }
}
