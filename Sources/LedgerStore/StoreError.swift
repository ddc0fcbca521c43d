import LedgerCore
import LedgerCrypto

/// Why the store could not do what was asked: I/O, locking, a ledger directory that is missing
/// or damaged, or an event the integrity rules refuse.
///
/// Every message names the file (and line, seq, field where there is one) and says what to do.
/// A struct over codes, so codes can be added without breaking callers.
public struct StoreError: Error, CustomStringConvertible, Sendable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A system call failed (open, read, write, fsync…); the message carries errno's text.
        public static let io = Code("io")
        /// The directory is not a FlowLedger ledger, or `ledger.json` is unreadable.
        public static let notALedger = Code("notALedger")
        /// `init` on a directory that already holds a ledger.
        public static let alreadyExists = Code("alreadyExists")
        /// Another process holds the writer lock.
        public static let locked = Code("locked")
        /// The segment files break the integrity rules somewhere other than a torn last line:
        /// tampering or media damage. The writer refuses to append on top of it.
        public static let damaged = Code("damaged")
        /// An appended event breaks an integrity rule (DESIGN §7); ``StoreError/violation`` has it.
        public static let rejected = Code("rejected")
        /// An event or input line breaks the formats of DESIGN §4–§6.
        public static let malformed = Code("malformed")
        /// A proof or checkpoint was asked for a size or seq the ledger cannot answer.
        public static let outOfRange = Code("outOfRange")
        /// A key that does not fit (wrong suite, not the operator's key).
        public static let wrongKey = Code("wrongKey")
        /// The ledger was closed, or a previous write failure stopped the writer.
        public static let closed = Code("closed")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// What was wrong, where, and what to do.
    public let message: String
    /// The integrity rule broken, for ``Code/rejected`` and ``Code/damaged``.
    public let violation: RuleViolation?
    /// For a rejected event in a batch: its index in the batch.
    public let batchIndex: Int?

    /// Creates an error.
    package init(_ code: Code, _ message: String, violation: RuleViolation? = nil, batchIndex: Int? = nil) {
        self.code = code
        self.message = message
        self.violation = violation
        self.batchIndex = batchIndex
    }

    /// The message.
    public var description: String { message }

    /// The same error, marked as concerning event `index` of a batch.
    func inBatch(at index: Int) -> StoreError {
        StoreError(code, message, violation: violation, batchIndex: index)
    }

    /// An I/O failure of `operation` on `path`, with errno's text.
    static func io(_ operation: String, _ path: String, errno code: Int32) -> StoreError {
        StoreError(.io, "\(path): cannot \(operation): \(String(cString: strerror(code)))")
    }
}

#if canImport(Glibc)
import Glibc
#endif
