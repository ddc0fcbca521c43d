import COpenSSL

/// The hash function H of a suite (DESIGN §3): SHA-256 for `ed25519-sha256`, SM3 (GB/T 32905)
/// for `sm2-sm3`. Both produce 32 bytes, so a ``Hash32`` holds either.
public enum HashAlgorithm: String, Sendable, CaseIterable {
    /// SHA-256 (FIPS 180-4).
    case sha256 = "SHA256"
    /// SM3 (GB/T 32905-2016).
    case sm3 = "SM3"

    /// H(bytes).
    public func hash(_ bytes: UnsafeRawBufferPointer) -> Hash32 {
        var context = HashContext(self)
        context.update(bytes)
        return context.finish()
    }

    /// H(bytes) for any contiguous byte collection.
    public func hash<Bytes: Sequence>(_ bytes: Bytes) -> Hash32 where Bytes.Element == UInt8 {
        var context = HashContext(self)
        context.update(bytes)
        return context.finish()
    }

    /// H(prefix || bytes): the RFC 9162 leaf hash when `prefix` is 0x00.
    public func hash(prefix: UInt8, _ bytes: UnsafeRawBufferPointer) -> Hash32 {
        var context = HashContext(self)
        context.update(byte: prefix)
        context.update(bytes)
        return context.finish()
    }

    /// H(0x01 || left || right): an interior Merkle node (RFC 9162 §2.1.1).
    public func node(_ left: Hash32, _ right: Hash32) -> Hash32 {
        var context = HashContext(self)
        context.update(byte: 0x01)
        context.update(left)
        context.update(right)
        return context.finish()
    }

    /// The OpenSSL message digest, fetched once per process (implicit fetches on every call
    /// would take a lock each time).
    var evpMD: OpaquePointer {
        switch self {
        case .sha256: return FetchedDigests.shared.sha256
        case .sm3: return FetchedDigests.shared.sm3
        }
    }
}

/// The two message digests, fetched from OpenSSL's default provider once.
private final class FetchedDigests: @unchecked Sendable {
    // EVP_MD objects are immutable and documented as safe to share between threads.
    static let shared = FetchedDigests()
    let sha256: OpaquePointer
    let sm3: OpaquePointer
    private init() {
        guard let sha256 = EVP_MD_fetch(nil, "SHA256", nil), let sm3 = EVP_MD_fetch(nil, "SM3", nil) else {
            fatalError("OpenSSL has no SHA256 or SM3 digest: \(OpenSSLErrorQueue.drain()); install a libcrypto 3.x with SM3 enabled")
        }
        self.sha256 = sha256
        self.sm3 = sm3
    }
}

/// An incremental hash computation: `update` any number of times, then `finish` once.
package struct HashContext: ~Copyable {
    private let context: OpaquePointer

    /// Starts hashing with `algorithm`.
    package init(_ algorithm: HashAlgorithm) {
        guard let context = EVP_MD_CTX_new(), EVP_DigestInit_ex2(context, algorithm.evpMD, nil) == 1 else {
            fatalError("OpenSSL could not start a \(algorithm.rawValue) digest: \(OpenSSLErrorQueue.drain())")
        }
        self.context = context
    }

    /// Feeds bytes.
    package mutating func update(_ bytes: UnsafeRawBufferPointer) {
        Self.feed(context, bytes)
    }

    /// Feeds one byte.
    package mutating func update(byte: UInt8) {
        var byte = byte
        EVP_DigestUpdate(context, &byte, 1)
    }

    /// Feeds the 32 bytes of a hash.
    package mutating func update(_ hash: Hash32) {
        var storage = hash.storage
        Swift.withUnsafeBytes(of: &storage) { Self.feed(context, $0) }
    }

    /// Feeds a sequence of bytes.
    package mutating func update<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        let context = self.context
        let fed: Void? = bytes.withContiguousStorageIfAvailable { Self.feed(context, UnsafeRawBufferPointer($0)) }
        if fed == nil {
            Array(bytes).withUnsafeBytes { Self.feed(context, $0) }
        }
    }

    private static func feed(_ context: OpaquePointer, _ bytes: UnsafeRawBufferPointer) {
        if bytes.count > 0 { EVP_DigestUpdate(context, bytes.baseAddress, bytes.count) }
    }

    /// Finishes and returns the digest.
    package consuming func finish() -> Hash32 {
        var out = Hash32.zero
        var length: UInt32 = 0
        Swift.withUnsafeMutableBytes(of: &out.storage) { raw in
            _ = EVP_DigestFinal_ex(context, raw.baseAddress?.assumingMemoryBound(to: UInt8.self), &length)
        }
        precondition(length == 32, "a FlowLedger hash must be 32 bytes")
        return out
    }

    deinit { EVP_MD_CTX_free(context) }
}
