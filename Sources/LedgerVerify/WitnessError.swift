/// A witness operation that cannot run: its state file is missing, unreadable or corrupt, the
/// key does not match the state, or the input is incomplete (a proof is needed). A checkpoint
/// the witness refuses to cosign is not an error but a ``WitnessDecision/refused(_:)``.
package struct WitnessError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    package struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A file cannot be read or written.
        package static let io = Code("io")
        /// The state file is not a witness state FlowLedger wrote.
        package static let corruptState = Code("corruptState")
        /// `witness init` found a state file already there.
        package static let stateExists = Code("stateExists")
        /// The private key is not the one the state belongs to, or cannot cosign.
        package static let wrongKey = Code("wrongKey")
        /// A consistency proof from the last cosigned checkpoint is needed and was not given.
        package static let proofNeeded = Code("proofNeeded")
        /// A checkpoint or proof cannot be parsed.
        package static let malformedInput = Code("malformedInput")
        /// A textual description of the code.
        package var description: String { name }
    }

    /// What failed.
    package let code: Code
    /// What was wrong, where, and what to do.
    package let message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    package var description: String { message }
}
