/// Canonical JSON (RFC 8785, JCS, restricted to DESIGN §4's subset): the one byte string that
/// every event and entry is hashed and signed as.
///
/// Rules of the encoding: no insignificant whitespace; object keys sorted by UTF-16 code units;
/// integers in plain decimal; strings escape only `"`, `\` and control characters, the latter as
/// `\b \t \n \f \r` or `\u00xx` (lowercase hex); everything else is literal UTF-8.
///
/// ```swift
/// let bytes = CanonicalJSON.encode(.object(["b": .integer(1), "a": .string("é")]))
/// // {"a":"é","b":1}
/// let value = try CanonicalJSON.parse(bytes)   // throws unless bytes are canonical
/// ```
package enum CanonicalJSON {
    /// The largest entry line DESIGN §4 allows: 65,535 bytes without its `\n`. C2SP tlog-tiles
    /// entry bundles (DESIGN §11.1) carry each line's length as a big-endian uint16, so no longer
    /// line could be served. A writer refuses a longer line; a reader reports one as a break.
    package static let maxLineBytes = 65_535

    /// Encodes `value` canonically.
    package static func encode(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        append(value, to: &out)
        return out
    }

    /// Appends the canonical encoding of `value` to `out`.
    package static func append(_ value: JSONValue, to out: inout [UInt8]) {
        switch value {
        case .null:
            out += "null".utf8
        case .bool(let flag):
            out += (flag ? "true" : "false").utf8
        case .integer(let number):
            precondition(number <= JSONValue.maxSafeInteger && number >= -JSONValue.maxSafeInteger, "integer \(number) is outside ±(2^53-1); canonical JSON cannot carry it")
            out += String(number).utf8
        case .string(let text):
            appendString(text, to: &out)
        case .array(let elements):
            out.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                append(element, to: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let members):
            out.append(UInt8(ascii: "{"))
            for (index, key) in sortedKeys(members).enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                appendString(key, to: &out)
                out.append(UInt8(ascii: ":"))
                append(members[key]!, to: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Object keys in canonical order: by UTF-16 code units (RFC 8785 §3.2.3), which differs from
    /// UTF-8 byte order only for characters above U+FFFF against U+E000–U+FFFF.
    package static func sortedKeys(_ members: [String: JSONValue]) -> [String] {
        members.keys.sorted(by: utf16Precedes)
    }

    /// True when `a` sorts strictly before `b` by UTF-16 code units.
    package static func utf16Precedes(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Appends a string literal with exactly the escapes RFC 8785 §3.2.2.2 prescribes. Runs of
    /// bytes that need no escape (all of a hash's hex, a signature's base64, most text) are
    /// copied whole: this is on the path of every entry written and every receipt printed.
    package static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var run = 0  // first byte not copied yet
            for index in bytes.indices where bytes[index] < 0x20 || bytes[index] == UInt8(ascii: "\"") || bytes[index] == UInt8(ascii: "\\") {
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                appendEscape(bytes[index], to: &out)
                run = index + 1
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    /// The escape of one byte that may not stand as it is in a string literal.
    private static func appendEscape(_ byte: UInt8, to out: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
        case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
        case 0x08: out += [UInt8(ascii: "\\"), UInt8(ascii: "b")]
        case 0x09: out += [UInt8(ascii: "\\"), UInt8(ascii: "t")]
        case 0x0a: out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
        case 0x0c: out += [UInt8(ascii: "\\"), UInt8(ascii: "f")]
        case 0x0d: out += [UInt8(ascii: "\\"), UInt8(ascii: "r")]
        default:
            out += [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                    hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0xf)]]
        }
    }
}
