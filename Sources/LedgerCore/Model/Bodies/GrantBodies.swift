/// `grant.issued`: a dataset owner allows a grantee to receive some fields for a purpose.
public struct GrantIssuedBody: EventBodyCoding {
    static let type = EventType.grantIssued
    /// The grant id.
    public let grant: String
    /// The dataset granted.
    public let dataset: String
    /// The party allowed to receive.
    public let grantee: String
    /// The purpose the data may be used for.
    public let purpose: String
    /// The fields granted (sorted, unique, non-empty).
    public let fields: [String]
    /// Start of validity.
    public let from: Timestamp
    /// End of validity; not before `from`.
    public let until: Timestamp
    /// Legal basis, free text.
    public let basis: String

    /// Creates the body; `until` must not be before `from`.
    public init(grant: String, dataset: String, grantee: String, purpose: String, fields: [String],
                from: Timestamp, until: Timestamp, basis: String) throws(FormatError) {
        guard !(until < from) else {
            throw FormatError(.invalidValue, field: "body.until", "\(until) is before body.from \(from); a grant must end after it starts")
        }
        self.grant = grant
        self.dataset = dataset
        self.grantee = grantee
        self.purpose = purpose
        self.fields = fields
        self.from = from
        self.until = until
        self.basis = basis
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        try self.init(
            grant: try reader.objectID("grant"),
            dataset: try reader.objectID("dataset"),
            grantee: try reader.partyID("grantee"),
            purpose: try reader.text("purpose"),
            fields: try reader.fieldList("fields"),
            from: try reader.timestamp("from"),
            until: try reader.timestamp("until"),
            basis: try reader.text("basis"))
    }

    var members: [String: JSONValue] {
        ["grant": .string(grant), "dataset": .string(dataset), "grantee": .string(grantee), "purpose": .string(purpose),
         "fields": fields.json, "from": .string(from.text), "until": .string(until.text), "basis": .string(basis)]
    }
}

/// `grant.revoked`: the owner withdraws a grant.
public struct GrantRevokedBody: EventBodyCoding {
    static let type = EventType.grantRevoked
    /// The grant id.
    public let grant: String
    /// Why.
    public let reason: String

    /// Creates the body.
    public init(grant: String, reason: String) {
        self.grant = grant
        self.reason = reason
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        grant = try reader.objectID("grant")
        reason = try reader.text("reason")
    }

    var members: [String: JSONValue] { ["grant": .string(grant), "reason": .string(reason)] }
}
