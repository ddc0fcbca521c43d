/// A signed note, verifier key, checkpoint or tlog-proof that is malformed or does not verify.
public struct NoteError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The note's bytes break c2sp.org/signed-note.
        public static let malformedNote = Code("malformedNote")
        /// A verifier key string is not `name+hex+base64` or its hash is wrong.
        public static let malformedVerifierKey = Code("malformedVerifierKey")
        /// A signature from a trusted key does not verify.
        public static let invalidSignature = Code("invalidSignature")
        /// No signature from a trusted key is present.
        public static let unverified = Code("unverified")
        /// The note text is not a valid c2sp.org/tlog-checkpoint body.
        public static let malformedCheckpoint = Code("malformedCheckpoint")
        /// A tlog-proof file is malformed.
        public static let malformedProof = Code("malformedProof")
        /// The checkpoint is for another log than the one expected.
        public static let wrongOrigin = Code("wrongOrigin")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What failed.
    public let code: Code
    /// What was wrong, where, and what to do.
    public let message: String

    /// Creates an error.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The message.
    public var description: String { message }
}
