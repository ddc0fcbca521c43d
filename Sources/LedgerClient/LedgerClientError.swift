import LedgerCore
import LedgerWire

/// Why a ``RemoteLedger`` call failed: the server could not be reached, it refused the request,
/// or — what a client that trusts nothing exists to catch — its answer failed a check.
///
/// Mirrors the local store's error where a participant's program looks: ``violation`` names the
/// rule a refused event broke and ``batchIndex`` which event of a batch it was, so code written
/// against `Ledger` reads a remote refusal the same way.
public struct LedgerClientError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The server could not be reached, or the connection broke, after the retries allowed.
        public static let unreachable = Code("unreachable")
        /// The server answered with an error (``LedgerClientError/wire`` has its status and code).
        public static let refused = Code("refused")
        /// The server refused an event by an integrity rule (409, 422): ``LedgerClientError/violation`` has it.
        public static let rejected = Code("rejected")
        /// The server's answer is not what the protocol says (unparseable, wrong count, wrong seq).
        public static let malformedAnswer = Code("malformedAnswer")
        /// The server's answer does not verify: a bad checkpoint signature, a proof that fails, an
        /// entry whose chain or signature breaks. Do not use what it said.
        public static let untrustworthy = Code("untrustworthy")
        /// The server showed two histories that cannot both be true; ``LedgerClientError/evidence``
        /// holds both signed checkpoints.
        public static let splitView = Code("splitView")
        /// A bad argument or local file (a key of the wrong suite, an unreadable checkpoint file).
        public static let usage = Code("usage")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What was wrong, where, and what to do.
    public let message: String
    /// The server's error answer, when it sent one.
    public let wire: WireError?
    /// The integrity rule a refused event broke (``Code/rejected``).
    public let violation: RuleViolation?
    /// For a refused event in a batch: its index in the batch.
    public let batchIndex: Int?
    /// For ``Code/splitView``: the file the evidence was written to, when the client has a
    /// checkpoint file (the evidence goes beside it).
    public let evidencePath: String?

    /// For ``Code/malformedAnswer``: the answer was larger than the request allowed (a page of
    /// entries may then be asked for again in smaller parts).
    let answerTooLarge: Bool

    /// Creates an error.
    package init(_ code: Code, _ message: String, wire: WireError? = nil, violation: RuleViolation? = nil,
                 batchIndex: Int? = nil, evidencePath: String? = nil, answerTooLarge: Bool = false) {
        self.code = code
        self.message = message
        self.wire = wire
        self.violation = violation
        self.batchIndex = batchIndex
        self.evidencePath = evidencePath
        self.answerTooLarge = answerTooLarge
    }

    /// The message.
    public var description: String { message }

    /// The error for a server's error answer to `what`: rule refusals carry their violation (the
    /// server names the batch line, 1-based, which becomes ``batchIndex``).
    static func answered(_ wire: WireError, to what: String) -> LedgerClientError {
        let batchIndex = wire.line.map { $0 - 1 }
        if wire.status == 409 || wire.status == 422, let rule = RuleViolation.Code(named: wire.code) {
            let violation = RuleViolation(rule, seq: wire.seq ?? -1, eventID: nil, author: nil, field: wire.field ?? "", wire.message)
            return LedgerClientError(.rejected, "\(what): the server refused it (\(wire.status)): \(wire.message)", wire: wire,
                                     violation: violation, batchIndex: batchIndex)
        }
        return LedgerClientError(.refused, "\(what): the server refused it (\(wire.status) \(wire.code)): \(wire.message)", wire: wire, batchIndex: batchIndex)
    }
}
