import LedgerCrypto

/// What a party says happened (DESIGN §5): typed, validated, and signed by its author before the
/// ledger sequences it. Immutable: its canonical bytes are what the signature covers.
///
/// ```swift
/// let event = try Event(id: "ds-1", author: "tax.sh", keyID: key.publicKey.keyID,
///                       at: Timestamp(parsing: "2026-11-23T08:00:00Z"),
///                       body: .datasetCataloged(DatasetCatalogedBody(
///                           dataset: "tax-register", title: "Tax register", sharing: .conditional,
///                           level: .important, fields: ["name", "tax_id"])))
/// let signed = try SignedEvent(event: event, origin: "exchange.sh.gov.example/2026", signer: key)
/// ```
///
/// Two events are equal when their canonical bytes are: `"café"` written with U+00E9 and with
/// `e` + U+0301 are different events (different bytes, hashes and signatures), although Swift's
/// `String` calls the texts equal.
public struct Event: Hashable, Sendable {
    /// Author-chosen id, unique per author: the idempotency key.
    public let id: String
    /// Party id of the signer.
    public let author: String
    /// Key id of the signing key (`key` in JSON).
    public let keyID: String
    /// The author's own timestamp.
    public let at: Timestamp
    /// The typed body.
    public let body: EventBody

    /// The event's type, from its body.
    public var type: EventType { body.type }

    /// Creates an event, checking everything a strict reader of its canonical bytes checks: the
    /// id, author and key id syntax, that `at` reads back as an RFC 3339 UTC time, that the body
    /// has valid values (DESIGN §6: ids, free text, sorted unique field lists, counts within
    /// 0…2^53-1…), and for a genesis event that the author and key are the operator's (DESIGN §7
    /// rule 2). So every `Event` that exists can be written to a ledger and read back: an event a
    /// reader would refuse is refused here, before it is signed.
    /// - Throws: ``FormatError`` naming the field (`id`, `at`, `body.reason`, `body.records`…).
    public init(id: String, author: String, keyID: String, at: Timestamp, body: EventBody) throws(FormatError) {
        try self.init(id: id, author: author, keyID: keyID, at: at, readBody: body)
        // The typed bodies' initialisers check nothing; read the body back as a line's reader would
        // (its errors name the field as `body.…`). Timestamps built from a number of microseconds
        // may lie outside years 0000–9999, which have no RFC 3339 spelling.
        _ = try EventBody(type: body.type, json: body.json)
        _ = try Timestamp(parsing: at.text, field: "at")
    }

    /// Creates an event whose body and `at` were read from JSON by the strict reader, so are
    /// known valid: only the checks that involve the other fields are made.
    private init(id: String, author: String, keyID: String, at: Timestamp, readBody body: EventBody) throws(FormatError) {
        guard FieldRules.isObjectID(id) else {
            throw FormatError(.invalidValue, field: "id", "\"\(quotedForMessage(id))\" is not a valid event id: 1–128 characters from A–Z a–z 0–9 . _ : -")
        }
        guard FieldRules.isPartyID(author) else {
            throw FormatError(.invalidValue, field: "author", "\"\(quotedForMessage(author))\" is not a valid party id")
        }
        guard FieldRules.isKeyID(keyID) else {
            throw FormatError(.invalidValue, field: "key", "\"\(quotedForMessage(keyID))\" is not a key id: 16 lowercase hex digits")
        }
        if case .genesis(let genesis) = body {
            guard author == genesis.operator.party else {
                throw FormatError(.invalidValue, field: "author", "a genesis event is written by the operator \"\(genesis.operator.party)\", not \"\(author)\"")
            }
            guard keyID == genesis.operator.key.keyID else {
                throw FormatError(.invalidValue, field: "key", "a genesis event is signed with the operator key \(genesis.operator.key.keyID), not \(keyID)")
            }
        }
        self.id = id
        self.author = author
        self.keyID = keyID
        self.at = at
        self.body = body
    }

    /// Reads an event object strictly: exactly `type, id, author, key, at, body`.
    public init(json: JSONValue) throws(FormatError) {
        try self.init(reading: try ObjectReader(json, path: ""))
    }

    /// Reads the event object at `node` of a parsed line.
    init(tape: JSONTape, node: Int) throws(FormatError) {
        try self.init(reading: try ObjectReader(tape, node: node, path: ""))
    }

    private init(reading object: ObjectReader) throws(FormatError) {
        var reader = object
        let (known, typeNode) = try reader.oneOf("type", EventType.self)
        guard let type = known else {
            let typeName = reader.text(of: typeNode)
            throw FormatError(.unknownEventType, field: "type", "\"\(quotedForMessage(typeName))\" is not an event type; known types: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let id = try reader.string("id")
        let author = try reader.string("author")
        let keyID = try reader.string("key")
        let at = try reader.timestamp("at")
        let (tape, bodyNode) = try reader.nested("body")
        let body = try EventBody(type: type, reading: try ObjectReader(tape, node: bodyNode, path: "body"))
        try reader.finish()
        try self.init(id: id, author: author, keyID: keyID, at: at, readBody: body)
    }

    /// The event as a JSON object.
    public var json: JSONValue {
        .object(["type": .string(type.rawValue), "id": .string(id), "author": .string(author),
                 "key": .string(keyID), "at": .string(at.text), "body": body.json])
    }

    /// canonical(event).
    public var canonicalBytes: [UInt8] { CanonicalJSON.encode(json) }

    /// Equal when canonical(a) == canonical(b), byte for byte (not Swift's Unicode-equivalent
    /// `String` equality, under which two different signed events could compare equal).
    public static func == (a: Event, b: Event) -> Bool { a.canonicalBytes == b.canonicalBytes }

    /// Hashes canonical(event), consistently with `==`.
    public func hash(into hasher: inout Hasher) { hasher.combine(canonicalBytes) }

    /// The domain-separation prefix of every event signature.
    package static let signatureDomain = "flowledger/v1/event\n"

    /// The signed message M = "flowledger/v1/event\n" || origin || "\n" || canonical(event).
    /// Binding the origin stops an event from being replayed into another ledger (DESIGN §5).
    public func signingMessage(origin: String) -> [UInt8] {
        Self.signingMessage(origin: origin, canonicalEvent: canonicalBytes)
    }

    /// M for an event whose canonical bytes are already at hand.
    package static func signingMessage(origin: String, canonicalEvent: [UInt8]) -> [UInt8] {
        var message: [UInt8] = []
        message.reserveCapacity(signatureDomain.utf8.count + origin.utf8.count + 1 + canonicalEvent.count)
        message += signatureDomain.utf8
        message += origin.utf8
        message.append(0x0a)
        message += canonicalEvent
        return message
    }
}
