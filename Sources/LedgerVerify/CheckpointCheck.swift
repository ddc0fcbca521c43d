import LedgerCore
import LedgerCrypto

/// What the verifier found for one published checkpoint: is it signed by the operator, and does
/// the log still have the root it states for its size?
public struct CheckpointCheck: Hashable, Sendable {
    /// The outcome.
    public enum Status: String, Hashable, Sendable {
        /// Signed by the operator, and the log's first `size` entries have exactly this root.
        case matches
        /// Signed by the operator, but the log's first `size` entries have another root: history
        /// was rewritten after the operator signed.
        case rootMismatch
        /// The log has fewer than `size` entries: entries the operator signed for were removed.
        case beyondLog
        /// Not validly signed by the operator's key, or not a checkpoint of this ledger.
        case badSignature
        /// Not compared: the log breaks before this size.
        case notReached
    }

    /// The file, relative to the ledger directory.
    public let file: String
    /// The tree size it states (nil when the file could not be read as a checkpoint).
    public let size: Int64?
    /// The root it states.
    public let signedRoot: Hash32?
    /// The root recomputed from the log, when the log reaches `size`.
    public let computedRoot: Hash32?
    /// The outcome.
    public let status: Status
    /// The names of required witnesses whose cosignature on this checkpoint verified.
    public let cosignedBy: [String]
    /// Why it failed, for the statuses other than ``Status/matches``.
    public let problem: String?

    /// Creates a result.
    package init(file: String, size: Int64?, signedRoot: Hash32?, computedRoot: Hash32?, status: Status,
                cosignedBy: [String] = [], problem: String? = nil) {
        self.file = file
        self.size = size
        self.signedRoot = signedRoot
        self.computedRoot = computedRoot
        self.status = status
        self.cosignedBy = cosignedBy
        self.problem = problem
    }

    /// The result as a JSON object with lowercase hex roots; absent values are null.
    public var json: JSONValue {
        .object([
            "file": .string(file), "size": size.map { .integer($0) } ?? .null,
            "signedRoot": signedRoot.map { .string($0.hex) } ?? .null,
            "computedRoot": computedRoot.map { .string($0.hex) } ?? .null,
            "status": .string(status.rawValue), "cosignedBy": .array(cosignedBy.map { .string($0) }),
            "problem": problem.map { .string($0) } ?? .null,
        ])
    }
}
