/// Standard base64 (RFC 4648 §4, with padding), decoded strictly: a string decodes only if
/// encoding the result gives the same string back (no missing padding, no stray bits, no
/// whitespace), so every byte string has exactly one accepted spelling.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (value, char) in alphabet.enumerated() { table[Int(char)] = UInt8(value) }
        return table
    }()

    /// Encodes bytes as padded standard base64.
    package static func encode<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        append(bytes, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the padded standard base64 of `bytes` to `out` (no String in between).
    package static func append<Bytes: Collection>(_ bytes: Bytes, to out: inout [UInt8]) where Bytes.Element == UInt8 {
        let input = Array(bytes)
        var i = 0
        while i + 3 <= input.count {
            let n = UInt32(input[i]) << 16 | UInt32(input[i + 1]) << 8 | UInt32(input[i + 2])
            out.append(alphabet[Int(n >> 18)])
            out.append(alphabet[Int(n >> 12 & 63)])
            out.append(alphabet[Int(n >> 6 & 63)])
            out.append(alphabet[Int(n & 63)])
            i += 3
        }
        let left = input.count - i
        guard left > 0 else { return }
        let n = UInt32(input[i]) << 16 | (left == 2 ? UInt32(input[i + 1]) << 8 : 0)
        out.append(alphabet[Int(n >> 18)])
        out.append(alphabet[Int(n >> 12 & 63)])
        out.append(left == 2 ? alphabet[Int(n >> 6 & 63)] : UInt8(ascii: "="))
        out.append(UInt8(ascii: "="))
    }

    /// Decodes padded standard base64, rejecting every non-canonical spelling.
    /// - Parameter field: names the value in the error message.
    package static func decode(_ text: some StringProtocol, field: String = "value") throws(CryptoError) -> [UInt8] {
        let result = text.utf8.withContiguousStorageIfAvailable { chars in
            Result { () throws(CryptoError) in try decode(utf8: chars, field: field) }
        }
        if let result { return try result.get() }
        return try Array(text.utf8).withUnsafeBufferPointer { chars throws(CryptoError) in try decode(utf8: chars, field: field) }
    }

    /// ``decode(_:field:)`` of the UTF-8 bytes of the text (read in place, without a String).
    package static func decode(utf8 chars: UnsafeBufferPointer<UInt8>, field: String = "value") throws(CryptoError) -> [UInt8] {
        guard chars.count % 4 == 0 else {
            throw CryptoError(.malformedEncoding, "\(field): base64 length \(chars.count) is not a multiple of 4; use padded standard base64")
        }
        var out = [UInt8]()
        out.reserveCapacity(chars.count / 4 * 3)
        // The table is read through a pointer: this runs for every entry's signature, and the
        // array's bounds checks and lazy-global access were most of its cost.
        try reverse.withUnsafeBufferPointer { (table: UnsafeBufferPointer<UInt8>) throws(CryptoError) in
            var i = 0
            while i < chars.count {
                let isLast = i + 4 == chars.count
                let padding = isLast ? (chars[i + 3] == UInt8(ascii: "=") ? (chars[i + 2] == UInt8(ascii: "=") ? 2 : 1) : 0) : 0
                var n: UInt32 = 0
                for j in 0..<4 {
                    if j >= 4 - padding {
                        n <<= 6
                        continue
                    }
                    let value = table[Int(chars[i + j])]
                    guard value != 0xff else {
                        throw CryptoError(.malformedEncoding, "\(field): character \(i + j + 1) is not in the standard base64 alphabet")
                    }
                    n = n << 6 | UInt32(value)
                }
                out.append(UInt8(n >> 16))
                if padding < 2 { out.append(UInt8(n >> 8 & 0xff)) }
                if padding < 1 { out.append(UInt8(n & 0xff)) }
                // Bits that padding hides must be zero, or two strings would decode to the same bytes.
                if (padding == 1 && n & 0xff != 0) || (padding == 2 && n & 0xffff != 0) {
                    throw CryptoError(.malformedEncoding, "\(field): base64 has non-zero padding bits; it is not the canonical encoding")
                }
                i += 4
            }
        }
        return out
    }
}
