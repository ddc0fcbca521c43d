/// A witness operation that cannot run: its state file is missing, unreadable or corrupt, the
/// key does not match the state, or the input is incomplete (a proof is needed). A checkpoint
/// the witness refuses to cosign is not an error but a ``WitnessDecision/refused(_:)``.
public struct WitnessError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A file cannot be read or written.
        public static let io = Code("io")
        /// The state file is not a witness state FlowLedger wrote.
        public static let corruptState = Code("corruptState")
        /// `witness init` found a state file already there.
        public static let stateExists = Code("stateExists")
        /// The private key is not the one the state belongs to, or cannot cosign.
        public static let wrongKey = Code("wrongKey")
        /// A consistency proof from the last cosigned checkpoint is needed and was not given.
        public static let proofNeeded = Code("proofNeeded")
        /// A checkpoint or proof cannot be parsed.
        public static let malformedInput = Code("malformedInput")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What failed.
    public let code: Code
    /// What was wrong, where, and what to do.
    public let message: String

    /// Creates an error.
    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
