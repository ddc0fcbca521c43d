/// `exchange.sent`: the owner records that it handed (part of) a dataset to a recipient. The
/// payload never enters the ledger; `digest` commits to it.
public struct ExchangeSentBody: EventBodyCoding {
    static let type = EventType.exchangeSent
    /// The exchange id.
    public let exchange: String
    /// The dataset sent.
    public let dataset: String
    /// The receiving party.
    public let recipient: String
    /// The grant relied on, if any.
    public let grant: String?
    /// The purpose of the exchange.
    public let purpose: String
    /// The fields sent (sorted, unique, non-empty).
    public let fields: [String]
    /// Number of records sent.
    public let records: Int64
    /// Number of bytes sent.
    public let bytes: Int64
    /// Hex commitment to the payload: H(payload) or H(salt ‖ payload).
    public let digest: String

    /// Creates the body.
    public init(exchange: String, dataset: String, recipient: String, grant: String?, purpose: String,
                fields: [String], records: Int64, bytes: Int64, digest: String) {
        self.exchange = exchange
        self.dataset = dataset
        self.recipient = recipient
        self.grant = grant
        self.purpose = purpose
        self.fields = fields
        self.records = records
        self.bytes = bytes
        self.digest = digest
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        exchange = try reader.objectID("exchange")
        dataset = try reader.objectID("dataset")
        recipient = try reader.partyID("recipient")
        grant = reader.optionalValue("grant") == nil ? nil : try reader.objectID("grant")
        purpose = try reader.text("purpose")
        fields = try reader.fieldList("fields")
        records = try reader.count("records")
        bytes = try reader.count("bytes")
        digest = try reader.digest("digest")
    }

    var members: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "exchange": .string(exchange), "dataset": .string(dataset), "recipient": .string(recipient),
            "purpose": .string(purpose), "fields": fields.json, "records": .integer(records),
            "bytes": .integer(bytes), "digest": .string(digest),
        ]
        if let grant { members["grant"] = .string(grant) }
        return members
    }
}

/// `exchange.received`: the recipient acknowledges what it received.
public struct ExchangeReceivedBody: EventBodyCoding {
    static let type = EventType.exchangeReceived
    /// The exchange acknowledged.
    public let exchange: String
    /// Hex H of the payload as received.
    public let digest: String
    /// Number of records received.
    public let records: Int64

    /// Creates the body.
    public init(exchange: String, digest: String, records: Int64) {
        self.exchange = exchange
        self.digest = digest
        self.records = records
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        exchange = try reader.objectID("exchange")
        digest = try reader.digest("digest")
        records = try reader.count("records")
    }

    var members: [String: JSONValue] {
        ["exchange": .string(exchange), "digest": .string(digest), "records": .integer(records)]
    }
}
