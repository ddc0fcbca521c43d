/// Why a request signature (RFC 9421) or content digest (RFC 9530) was refused, or could not be
/// made: what was wrong, in which header or parameter, and what to do about it.
///
/// A struct over a set of codes (as ``LedgerCrypto/CryptoError`` is), so codes can be added
/// without breaking callers; the server maps ``code`` to a status (401, or 503 for
/// ``Code/replayMemoryFull``) and sends ``message`` as the error body's message. Messages never
/// contain private key material; they may quote what the request itself carried.
public struct RequestSignatureError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of refusal, for callers that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// A required header, dictionary member or signature parameter is absent.
        public static let missing = Code("missing")
        /// A header is not the structured field it must be, or a value is out of range.
        public static let malformed = Code("malformed")
        /// The signature covers a component this implementation does not build (e.g. `@status`).
        public static let unsupportedComponent = Code("unsupportedComponent")
        /// A component FlowLedger requires (`@method`, `@target-uri`, `content-digest`) is not covered.
        public static let notCovered = Code("notCovered")
        /// `Content-Digest` does not match the body.
        public static let digestMismatch = Code("digestMismatch")
        /// `created` is too far from the verifier's clock.
        public static let clockSkew = Code("clockSkew")
        /// `expires` has passed.
        public static let expired = Code("expired")
        /// `expires - created` exceeds what FlowLedger allows.
        public static let tooLongLived = Code("tooLongLived")
        /// The same signature was already accepted.
        public static let replayed = Code("replayed")
        /// The replay memory is full; the request may be retried later (HTTP 503).
        public static let replayMemoryFull = Code("replayMemoryFull")
        /// `keyid` names no key the verifier knows, or not the key it was given.
        public static let unknownKey = Code("unknownKey")
        /// `alg` is absent from the registry FlowLedger uses or does not match the key's suite.
        public static let wrongAlgorithm = Code("wrongAlgorithm")
        /// The signature does not verify over the signature base.
        public static let badSignature = Code("badSignature")
        /// The signer could not sign (an OpenSSL failure, or a lifetime out of range).
        public static let signingFailed = Code("signingFailed")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What kind of refusal this is.
    public let code: Code
    /// A sentence for a person: what was wrong, where, and what to do.
    public let message: String

    /// Creates an error with a code and a complete human-readable message.
    package init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The error a server gives when no key of its ledger state has the request's `keyid`.
    public static func unknownKey(_ keyID: String) -> RequestSignatureError {
        RequestSignatureError(.unknownKey, "Signature-Input: keyid \"\(quoted(keyID))\" is not the key id of any active key of a registered party; sign with your party's ledger key (key id = the first 8 bytes of H(public key string), in hex)")
    }

    /// The human-readable message.
    public var description: String { message }

    /// A value from the request, shortened and stripped of control characters for a message.
    package static func quoted(_ text: some StringProtocol, limit: Int = 80) -> String {
        var out = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            out.unicodeScalars.append(scalar.value >= 0x20 && scalar.value != 0x7f ? scalar : "?")
        }
        if text.unicodeScalars.count > limit { out += "…" }
        return out
    }
}
