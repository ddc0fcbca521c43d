import COpenSSL

/// A public key of a suite, as written in events and files: `ed25519:` + base64 of the 32 raw
/// bytes, or `sm2:` + base64 of the 65-byte uncompressed point (DESIGN §3).
///
/// Immutable: it is shared across threads by the verifier, and OpenSSL's key object is only
/// read after construction.
///
/// ```swift
/// let key = try PublicKey(string: "ed25519:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=")
/// let valid = key.verify(signature: sig, message: Array("hello".utf8))
/// ```
public final class PublicKey: @unchecked Sendable, Hashable, CustomStringConvertible {
    /// The suite this key belongs to.
    public let suite: Suite
    /// The raw key bytes (32 for Ed25519, 65 for SM2).
    public let rawBytes: [UInt8]
    /// The key string, e.g. `ed25519:11qY…`.
    public let string: String
    /// The key id: lowercase hex of the first 8 bytes of H(key string) (DESIGN §3).
    public let keyID: String
    let evpKey: OpaquePointer
    /// Ed25519 contexts set up for `evpKey` once and reused (nil for SM2, whose contexts hash).
    private let verifyingContexts: VerifyingContexts?

    /// Parses a key string such as `ed25519:…` or `sm2:…`.
    /// - Parameter field: names the value in error messages (e.g. `body.key`).
    public convenience init(string: String, field: String = "key") throws(CryptoError) {
        guard let colon = string.firstIndex(of: ":") else {
            throw CryptoError(.malformedKey, "\(field): \"\(quotedForMessage(string))\" is not a key string; expected \"ed25519:<base64>\" or \"sm2:<base64>\"")
        }
        let prefix = String(string[..<colon])
        guard let suite = Suite.allCases.first(where: { $0.keyPrefix == prefix }) else {
            throw CryptoError(.unknownSuite, "\(field): unknown key type \"\(quotedForMessage(prefix))\"; expected \"ed25519\" or \"sm2\"")
        }
        let raw = try Base64.decode(string[string.index(after: colon)...], field: field)
        try self.init(suite: suite, rawBytes: raw, field: field)
    }

    /// Builds a key from its raw bytes; OpenSSL checks that SM2 points lie on the curve.
    public init(suite: Suite, rawBytes: [UInt8], field: String = "key") throws(CryptoError) {
        guard rawBytes.count == suite.publicKeyLength else {
            throw CryptoError(.malformedKey, "\(field): a \(suite.keyPrefix) public key is \(suite.publicKeyLength) bytes, found \(rawBytes.count)")
        }
        OpenSSLErrorQueue.clearStale()
        let key: OpaquePointer?
        switch suite {
        case .ed25519SHA256:
            key = rawBytes.withUnsafeBufferPointer { EVP_PKEY_new_raw_public_key_ex(nil, "ED25519", nil, $0.baseAddress, $0.count) }
        case .sm2SM3:
            guard rawBytes[0] == 0x04 else {
                throw CryptoError(.malformedKey, "\(field): an sm2 public key must be the uncompressed point 04 || X || Y; first byte is \(rawBytes[0])")
            }
            key = rawBytes.withUnsafeBufferPointer { flowledger_sm2_public_key($0.baseAddress, $0.count) }
        }
        guard let key else {
            throw CryptoError(.malformedKey, "\(field): not a valid \(suite.keyPrefix) public key (\(OpenSSLErrorQueue.drain()))")
        }
        self.suite = suite
        self.rawBytes = rawBytes
        self.evpKey = key
        self.verifyingContexts = suite == .ed25519SHA256 ? VerifyingContexts(key: key) : nil
        self.string = suite.keyPrefix + ":" + Base64.encode(rawBytes)
        self.keyID = Self.keyID(of: self.string, suite: suite)
    }

    /// Adopts an OpenSSL key (used by ``PrivateKey``); takes ownership of one reference.
    init(adopting key: OpaquePointer, suite: Suite) throws(CryptoError) {
        var raw = [UInt8](repeating: 0, count: suite.publicKeyLength)
        var length = raw.count
        let ok: Int32
        switch suite {
        case .ed25519SHA256:
            ok = EVP_PKEY_get_raw_public_key(key, &raw, &length)
        case .sm2SM3:
            ok = EVP_PKEY_get_octet_string_param(key, "encoded-pub-key", &raw, raw.count, &length)
        }
        guard ok == 1, length == suite.publicKeyLength else {
            EVP_PKEY_free(key)
            throw OpenSSLErrorQueue.error("read the \(suite.keyPrefix) public key")
        }
        self.suite = suite
        self.rawBytes = raw
        self.evpKey = key
        self.verifyingContexts = suite == .ed25519SHA256 ? VerifyingContexts(key: key) : nil
        self.string = suite.keyPrefix + ":" + Base64.encode(raw)
        self.keyID = Self.keyID(of: self.string, suite: suite)
    }

    deinit { EVP_PKEY_free(evpKey) }

    /// Key id = lowercase hex of the first 8 bytes of H(public key string, UTF-8).
    static func keyID(of string: String, suite: Suite) -> String {
        Hex.encode(suite.hash.hash(Array(string.utf8)).bytes.prefix(8))
    }

    /// Checks `signature` over `message`: pure Ed25519 (RFC 8032), or SM2 with SM3 and the
    /// default distinguishing id over DER-encoded signatures. Returns false for any invalid,
    /// malformed or non-canonical signature; never throws.
    public func verify(signature: some Collection<UInt8>, message: some Collection<UInt8>) -> Bool {
        let signature = Array(signature)
        let message = Array(message)
        OpenSSLErrorQueue.clearStale()
        if suite == .ed25519SHA256, signature.count == 64, let contexts = verifyingContexts, let context = contexts.take() {
            let result = signature.withUnsafeBufferPointer { sig in
                message.withUnsafeBufferPointer { msg in
                    EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
                }
            }
            if result == 1 {
                contexts.giveBack(context)
                return true
            }
            // A refusal is confirmed below on a fresh context: were a future OpenSSL to refuse
            // the reuse of a context, that would cost time, never refuse a valid signature.
            EVP_MD_CTX_free(context)
            OpenSSLErrorQueue.clearStale()
        }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        let started: Int32
        switch suite {
        case .ed25519SHA256:
            guard signature.count == 64 else { return false }
            started = EVP_DigestVerifyInit_ex(context, nil, nil, nil, nil, evpKey, nil)
        case .sm2SM3:
            guard signature.count <= 80 else { return false }
            started = flowledger_sm2_digest_init(context, evpKey, Suite.sm2DistinguishingID, 0)
        }
        guard started == 1 else {
            _ = OpenSSLErrorQueue.drain()
            return false
        }
        let result = signature.withUnsafeBufferPointer { sig in
            message.withUnsafeBufferPointer { msg in
                EVP_DigestVerify(context, sig.baseAddress, sig.count, msg.baseAddress, msg.count)
            }
        }
        if result != 1 { _ = OpenSSLErrorQueue.drain() }
        return result == 1
    }

    /// The key string.
    public var description: String { string }

    public static func == (a: PublicKey, b: PublicKey) -> Bool { a.string == b.string }
    public func hash(into hasher: inout Hasher) { hasher.combine(string) }
}
