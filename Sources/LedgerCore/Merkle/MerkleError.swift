/// A Merkle proof that does not verify, or a request that cannot be answered.
///
/// Carries the sizes and hashes involved, so a report can show the evidence (expected vs found).
public struct MerkleError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// Index or sizes out of range (index ≥ size, old > new, …).
        public static let invalidRange = Code("invalidRange")
        /// The proof has the wrong number of hashes for the sizes given.
        public static let wrongProofLength = Code("wrongProofLength")
        /// The proof recomputes to a root other than the one expected.
        public static let rootMismatch = Code("rootMismatch")
        /// The hash reader failed or returned the wrong number of hashes.
        public static let readFailed = Code("readFailed")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What failed.
    public let code: Code
    /// What was checked, with the evidence.
    public let message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
