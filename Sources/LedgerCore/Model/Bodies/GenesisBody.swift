import LedgerCrypto

/// `ledger.genesis` (seq 0): names the ledger, fixes its suite and its operator.
public struct GenesisBody: EventBodyCoding {
    static let type = EventType.ledgerGenesis
    /// The operator party: id, display name and signing key.
    public struct Operator: Hashable, Sendable {
        /// The operator's party id.
        public let party: String
        /// The operator's display name.
        public let name: String
        /// The operator's public key.
        public let key: PublicKey
        /// Creates the operator description.
        public init(party: String, name: String, key: PublicKey) {
            self.party = party
            self.name = name
            self.key = key
        }
    }

    /// The ledger's unique name (also its checkpoint key name).
    public let origin: String
    /// The crypto suite, fixed for the ledger's life.
    public let suite: Suite
    /// The operator.
    public let `operator`: Operator

    /// Creates a genesis body; the operator key must belong to `suite`.
    public init(origin: String, suite: Suite, operator: Operator) throws(FormatError) {
        guard FieldRules.isOrigin(origin) else {
            throw FormatError(.invalidValue, field: "body.origin", "\"\(quotedForMessage(origin))\" is not a valid origin: 1–128 printable ASCII characters without spaces or '+'")
        }
        guard FieldRules.isPartyID(`operator`.party) else {
            throw FormatError(.invalidValue, field: "body.operator.party", "\"\(quotedForMessage(`operator`.party))\" is not a valid party id")
        }
        if let problem = FieldRules.textProblem(`operator`.name) {
            throw FormatError(.invalidValue, field: "body.operator.name", problem)
        }
        guard `operator`.key.suite == suite else {
            throw FormatError(.invalidValue, field: "body.operator.key", "is a \(`operator`.key.suite.keyPrefix) key but the suite is \(suite.rawValue)")
        }
        self.origin = origin
        self.suite = suite
        self.operator = `operator`
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        let origin = try reader.string("origin")
        let suiteName = try reader.string("suite")
        guard let suite = Suite(rawValue: suiteName) else {
            throw FormatError(.invalidValue, field: "body.suite", "\"\(quotedForMessage(suiteName))\" is not one of \"ed25519-sha256\", \"sm2-sm3\"")
        }
        var op = try reader.object("operator")
        let party = try op.partyID("party")
        let name = try op.text("name")
        let key = try op.publicKey("key")
        try op.finish()
        try self.init(origin: origin, suite: suite, operator: Operator(party: party, name: name, key: key))
    }

    var members: [String: JSONValue] {
        [
            "origin": .string(origin),
            "suite": .string(suite.rawValue),
            "operator": .object(["party": .string(`operator`.party), "name": .string(`operator`.name), "key": .string(`operator`.key.string)]),
        ]
    }
}
