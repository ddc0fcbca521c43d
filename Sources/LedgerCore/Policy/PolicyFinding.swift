import LedgerCrypto

/// One breach of a policy rule (DESIGN §7 P1–P7), with the entries involved and a sentence a
/// regulator can act on. Immutable: a finding is evidence, derived from the log and nothing else.
public struct PolicyFinding: Hashable, Sendable, CustomStringConvertible {
    /// The rule broken.
    public let rule: PolicyRule
    /// The entry that shows the breach: the `exchange.sent` for P1–P5 and P7, the
    /// `exchange.received` for P6.
    public let seq: Int64
    /// That entry's event id.
    public let eventID: String
    /// That entry's author.
    public let author: String
    /// The exchange concerned.
    public let exchange: String
    /// The dataset exchanged.
    public let dataset: String
    /// The provider (the dataset's owner, who sent it).
    public let provider: String
    /// The recipient.
    public let recipient: String
    /// Another entry involved, when there is one: the grant's revocation (P2), the `exchange.sent`
    /// an acknowledgement differs from (P6), a late acknowledgement (P7).
    public let relatedSeq: Int64?
    /// What was found and why it breaks the rule.
    public let message: String

    /// Creates a finding.
    package init(rule: PolicyRule, seq: Int64, eventID: String, author: String, exchange: String, dataset: String,
                provider: String, recipient: String, relatedSeq: Int64? = nil, message: String) {
        self.rule = rule
        self.seq = seq
        self.eventID = eventID
        self.author = author
        self.exchange = exchange
        self.dataset = dataset
        self.provider = provider
        self.recipient = recipient
        self.relatedSeq = relatedSeq
        self.message = message
    }

    /// "P2 at seq 12 (exchange x-7, trips: ride.example → health.sh): …".
    public var description: String {
        "\(rule.code) at seq \(seq) (exchange \(exchange), \(dataset): \(provider) → \(recipient)): \(message)"
    }

    /// The finding as a JSON object (keys as named here; `relatedSeq` only when present).
    public var json: JSONValue {
        var members: [String: JSONValue] = [
            "rule": .string(rule.code), "seq": .integer(seq), "eventID": .string(eventID), "author": .string(author),
            "exchange": .string(exchange), "dataset": .string(dataset), "provider": .string(provider),
            "recipient": .string(recipient), "message": .string(message),
        ]
        if let relatedSeq { members["relatedSeq"] = .integer(relatedSeq) }
        return .object(members)
    }
}
