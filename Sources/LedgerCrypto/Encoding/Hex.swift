/// Lowercase hexadecimal, the only form FlowLedger writes or accepts for hashes and key ids.
package enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    package static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.underestimatedCount * 2)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the lowercase hex of `bytes` to `out` (no String in between).
    package static func append<Bytes: Sequence>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
    }

    /// Decodes lowercase hex; uppercase, odd length or other characters are rejected, because a
    /// second spelling of the same bytes would be a second spelling of the same entry.
    package static func decode(_ text: some StringProtocol, field: String = "value") throws(CryptoError) -> [UInt8] {
        let result = text.utf8.withContiguousStorageIfAvailable { utf8 in
            Result { () throws(CryptoError) in try decode(utf8: utf8, field: field) }
        }
        if let result { return try result.get() }
        return try Array(text.utf8).withUnsafeBufferPointer { utf8 throws(CryptoError) in try decode(utf8: utf8, field: field) }
    }

    /// ``decode(_:field:)`` of the UTF-8 bytes of the text (read in place, without a String).
    package static func decode(utf8: UnsafeBufferPointer<UInt8>, field: String = "value") throws(CryptoError) -> [UInt8] {
        guard utf8.count % 2 == 0 else {
            throw CryptoError(.malformedEncoding, "\(field): hex has an odd number of digits (\(utf8.count)); expected lowercase hex pairs")
        }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = nibble(utf8[index]), let low = nibble(utf8[index + 1]) else {
                throw CryptoError(.malformedEncoding, "\(field): character \(index + 1) is not a lowercase hex digit (0-9, a-f)")
            }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// The value of one lowercase hex digit, or nil for any other byte.
    package static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        default: return nil
        }
    }
}
