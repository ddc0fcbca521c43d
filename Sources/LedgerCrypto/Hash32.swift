/// A 32-byte digest: the output of SHA-256 or SM3, and every leaf, node and root of the Merkle
/// tree. Stored inline as four words so that hashing millions of entries allocates nothing.
public struct Hash32: Hashable, Sendable, CustomStringConvertible {
    /// The digest bytes in order, as a fixed-size tuple (C layout, no heap storage).
    public var storage: (UInt64, UInt64, UInt64, UInt64)

    /// The all-zero value: the `prev` of the genesis entry (DESIGN §5).
    public static let zero = Hash32(storage: (0, 0, 0, 0))

    /// Creates a digest from its tuple storage.
    package init(storage: (UInt64, UInt64, UInt64, UInt64)) { self.storage = storage }

    /// Creates a digest from exactly 32 bytes.
    /// - Throws: ``CryptoError/Code/malformedEncoding`` when `bytes` is not 32 bytes long.
    public init<Bytes: Collection>(bytes: Bytes, field: String = "hash") throws(CryptoError) where Bytes.Element == UInt8 {
        guard bytes.count == 32 else {
            throw CryptoError(.malformedEncoding, "\(field): a hash is 32 bytes, found \(bytes.count)")
        }
        var value = Hash32.zero
        Swift.withUnsafeMutableBytes(of: &value.storage) { raw in
            // Contiguous input (arrays, slices, file reads) is copied in one go; the generic loop
            // is for anything else.
            if bytes.withContiguousStorageIfAvailable({ raw.copyMemory(from: UnsafeRawBufferPointer($0)) }) == nil {
                for (offset, byte) in bytes.enumerated() { raw[offset] = byte }
            }
        }
        self = value
    }

    /// Creates a digest from the 32 bytes at the start of `buffer` (which must hold at least 32):
    /// the fast path for reading stored hashes, free of generic dispatch across modules.
    public init(copying buffer: UnsafeRawBufferPointer) {
        precondition(buffer.count >= 32, "a hash is 32 bytes")
        var value = Hash32.zero
        Swift.withUnsafeMutableBytes(of: &value.storage) { $0.copyMemory(from: UnsafeRawBufferPointer(rebasing: buffer.prefix(32))) }
        self = value
    }

    /// Creates a digest from 64 lowercase hex digits.
    public init(hex: some StringProtocol, field: String = "hash") throws(CryptoError) {
        let result = hex.utf8.withContiguousStorageIfAvailable { utf8 in
            Result { () throws(CryptoError) in try Hash32(hexUTF8: utf8, field: field) }
        }
        if let result { self = try result.get(); return }
        self = try Array(hex.utf8).withUnsafeBufferPointer { utf8 throws(CryptoError) in try Hash32(hexUTF8: utf8, field: field) }
    }

    /// A digest from the UTF-8 bytes of 64 lowercase hex digits, read in place.
    public init(hexUTF8 utf8: UnsafeBufferPointer<UInt8>, field: String = "hash") throws(CryptoError) {
        guard utf8.count == 64 else {
            // Hex.decode names an odd length or a bad digit; the byte count otherwise.
            try self.init(bytes: try Hex.decode(utf8: utf8, field: field), field: field)
            return
        }
        var value = Hash32.zero
        var bad = -1
        Swift.withUnsafeMutableBytes(of: &value.storage) { raw in
            for index in 0..<32 {
                guard let high = Hex.nibble(utf8[2 * index]), let low = Hex.nibble(utf8[2 * index + 1]) else {
                    bad = index
                    return
                }
                raw[index] = high << 4 | low
            }
        }
        if bad >= 0 { _ = try Hex.decode(utf8: utf8, field: field) }  // throws, naming the character
        self = value
    }

    /// The 32 bytes, in order.
    public var bytes: [UInt8] { Swift.withUnsafeBytes(of: storage) { Array($0) } }

    /// Lowercase hex, the form used in entries (`prev`) and JSON proofs.
    public var hex: String { Swift.withUnsafeBytes(of: storage) { Hex.encode($0) } }

    /// Standard base64, the form used in checkpoints and tlog-proof files.
    public var base64: String { Base64.encode(bytes) }

    /// Calls `body` with the 32 bytes without copying them.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws(CryptoError) -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: storage, body)
    }

    public static func == (a: Hash32, b: Hash32) -> Bool {
        a.storage.0 == b.storage.0 && a.storage.1 == b.storage.1 && a.storage.2 == b.storage.2 && a.storage.3 == b.storage.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(storage.0)
        hasher.combine(storage.1)
        hasher.combine(storage.2)
        hasher.combine(storage.3)
    }

    /// The lowercase hex form.
    public var description: String { hex }
}
