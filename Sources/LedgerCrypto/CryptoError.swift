/// An error from the crypto layer: what failed, where, and what to do about it.
///
/// A struct over a private set of codes (the habit of swift-certificates), so new codes can be
/// added without breaking callers; tests and callers match on ``code``. Messages never contain
/// private key material.
public struct CryptoError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, for callers that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A public or private key that cannot be decoded or is of the wrong algorithm.
        public static let malformedKey = Code("malformedKey")
        /// A suite name or key prefix that FlowLedger does not know.
        public static let unknownSuite = Code("unknownSuite")
        /// Bytes that are not the strict encoding they claim to be (hex, base64).
        public static let malformedEncoding = Code("malformedEncoding")
        /// OpenSSL refused an operation; the message carries OpenSSL's reason text.
        public static let openSSLFailure = Code("openSSLFailure")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What kind of failure this is.
    public let code: Code
    /// A sentence for a person: what was wrong, where, and what to do.
    public let message: String

    /// Creates an error with a code and a complete human-readable message.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The human-readable message.
    public var description: String { message }
}
