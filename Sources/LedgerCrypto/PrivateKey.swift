import COpenSSL

/// A private signing key of a suite, read from and written to PKCS#8 PEM ("BEGIN PRIVATE KEY",
/// what `openssl genpkey` writes and `openssl pkey` reads).
///
/// Its description never shows secret material, so a key can be logged or interpolated by
/// mistake without leaking. Immutable and safe to share between threads: OpenSSL only reads the
/// key while signing.
///
/// ```swift
/// let key = try PrivateKey.generate(suite: .ed25519SHA256)
/// let signature = try key.sign(Array("hello".utf8))
/// assert(key.publicKey.verify(signature: signature, message: Array("hello".utf8)))
/// ```
public final class PrivateKey: @unchecked Sendable, CustomStringConvertible {
    /// The suite this key signs for.
    public let suite: Suite
    /// The matching public key.
    public let publicKey: PublicKey
    private let evpKey: OpaquePointer

    /// Takes ownership of the caller's one reference to `key`; the public key gets a second.
    private init(adopting key: OpaquePointer, suite: Suite) throws(CryptoError) {
        guard EVP_PKEY_up_ref(key) == 1 else {
            EVP_PKEY_free(key)
            throw OpenSSLErrorQueue.error("reference the private key")
        }
        self.suite = suite
        self.evpKey = key
        self.publicKey = try PublicKey(adopting: key, suite: suite)
    }

    deinit { EVP_PKEY_free(evpKey) }

    /// Generates a new random key with OpenSSL's CSPRNG.
    public static func generate(suite: Suite) throws(CryptoError) -> PrivateKey {
        OpenSSLErrorQueue.clearStale()
        guard let context = EVP_PKEY_CTX_new_from_name(nil, suite.openSSLKeyType, nil) else {
            throw OpenSSLErrorQueue.error("set up \(suite.openSSLKeyType) key generation")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var key: OpaquePointer?
        guard EVP_PKEY_keygen_init(context) == 1, EVP_PKEY_generate(context, &key) == 1, let key else {
            throw OpenSSLErrorQueue.error("generate a \(suite.openSSLKeyType) key")
        }
        return try PrivateKey(adopting: key, suite: suite)
    }

    /// An Ed25519 key from its 32-byte seed (the RFC 8032 "secret key"); for test vectors and
    /// deterministic test fixtures.
    public static func ed25519(seed: [UInt8]) throws(CryptoError) -> PrivateKey {
        guard seed.count == 32 else {
            throw CryptoError(.malformedKey, "an Ed25519 seed is 32 bytes, found \(seed.count)")
        }
        guard let key = seed.withUnsafeBufferPointer({ EVP_PKEY_new_raw_private_key_ex(nil, "ED25519", nil, $0.baseAddress, $0.count) }) else {
            throw OpenSSLErrorQueue.error("load the Ed25519 seed")
        }
        return try PrivateKey(adopting: key, suite: .ed25519SHA256)
    }

    /// Reads a PKCS#8 PEM private key; the suite follows from the key's algorithm.
    /// - Parameter source: names the key's origin (a file path) in error messages.
    /// - Throws: ``CryptoError/Code/malformedKey`` for an unreadable, encrypted or foreign key.
    public convenience init(pem: String, source: String = "private key") throws(CryptoError) {
        let bytes = Array(pem.utf8)
        OpenSSLErrorQueue.clearStale()
        guard let key = bytes.withUnsafeBufferPointer({ flowledger_read_private_key_pem($0.baseAddress, Int32($0.count)) }) else {
            throw CryptoError(.malformedKey, "\(source): not an unencrypted PKCS#8 PEM private key (\(OpenSSLErrorQueue.drain())); create one with `flowledger keygen` or `openssl genpkey -algorithm ed25519`")
        }
        let suite: Suite
        if EVP_PKEY_is_a(key, "ED25519") == 1 {
            suite = .ed25519SHA256
        } else if EVP_PKEY_is_a(key, "SM2") == 1 {
            suite = .sm2SM3
        } else {
            EVP_PKEY_free(key)
            throw CryptoError(.malformedKey, "\(source): the key is neither Ed25519 nor SM2; FlowLedger signs only with the suites ed25519-sha256 and sm2-sm3")
        }
        try self.init(adopting: key, suite: suite)
    }

    /// The key as unencrypted PKCS#8 PEM. This is secret material: write it only to a file with
    /// mode 0600, never to a log or an error.
    public func pemRepresentation() throws(CryptoError) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = flowledger_write_private_key_pem(evpKey, &buffer, Int32(buffer.count))
        guard length > 0 else { throw OpenSSLErrorQueue.error("encode the private key as PEM") }
        let pem = String(decoding: buffer[0..<Int(length)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        for index in buffer.indices { buffer[index] = 0 }
        return pem
    }

    /// Signs `message`: pure Ed25519 (64 bytes), or SM2 with SM3 and the default distinguishing
    /// id (DER, at most 72 bytes).
    public func sign(_ message: some Collection<UInt8>) throws(CryptoError) -> [UInt8] {
        let message = Array(message)
        OpenSSLErrorQueue.clearStale()
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLErrorQueue.error("allocate a signing context") }
        defer { EVP_MD_CTX_free(context) }
        let started: Int32
        switch suite {
        case .ed25519SHA256:
            started = EVP_DigestSignInit_ex(context, nil, nil, nil, nil, evpKey, nil)
        case .sm2SM3:
            started = flowledger_sm2_digest_init(context, evpKey, Suite.sm2DistinguishingID, 1)
        }
        guard started == 1 else { throw OpenSSLErrorQueue.error("start a \(suite.openSSLKeyType) signature") }
        var signature = [UInt8](repeating: 0, count: 128)
        var length = signature.count
        let ok = message.withUnsafeBufferPointer { msg in
            EVP_DigestSign(context, &signature, &length, msg.baseAddress, msg.count)
        }
        guard ok == 1 else { throw OpenSSLErrorQueue.error("sign with the \(suite.openSSLKeyType) key") }
        return Array(signature.prefix(length))
    }

    /// Names the suite and public key id only; never the secret.
    public var description: String { "PrivateKey(\(suite.rawValue), key id \(publicKey.keyID))" }
}
