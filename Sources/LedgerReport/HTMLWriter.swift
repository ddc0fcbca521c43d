// The one place text from the log becomes HTML. Every value read from the ledger (ids, names,
// titles, notes, findings, messages) goes through `text(_:)`, which escapes the five characters
// that can end a text node or an attribute value (& < > " '), so an event's free text can never
// add markup or script to the report (ReportSafetyTests proves it with a hostile note).

/// An HTML document under construction, as UTF-8 bytes.
struct HTMLWriter {
    /// The document so far.
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 1 << 16) { bytes.reserveCapacity(capacity) }

    /// Appends markup written by this module (never text from the log).
    mutating func raw(_ markup: String) { bytes.append(contentsOf: markup.utf8) }

    /// Appends `value` escaped for a text node or a quoted attribute value.
    mutating func text(_ value: String) {
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "&"): bytes.append(contentsOf: "&amp;".utf8)
            case UInt8(ascii: "<"): bytes.append(contentsOf: "&lt;".utf8)
            case UInt8(ascii: ">"): bytes.append(contentsOf: "&gt;".utf8)
            case UInt8(ascii: "\""): bytes.append(contentsOf: "&quot;".utf8)
            case UInt8(ascii: "'"): bytes.append(contentsOf: "&#39;".utf8)
            default: bytes.append(byte)
            }
        }
    }

    /// Appends an integer.
    mutating func number(_ value: Int64) { raw(String(value)) }

    /// `value` escaped, as a string (for attribute values assembled before writing).
    static func escape(_ value: String) -> String {
        var writer = HTMLWriter(capacity: value.utf8.count + 8)
        writer.text(value)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    /// An id usable in `id="…"` and `href="#…"` for an exchange: `x-` and the exchange id with
    /// every byte outside [A-Za-z0-9._-] written as `_XX`, so two different ids never share an anchor.
    static func anchor(exchange: String) -> String {
        var out = "x-"
        for byte in exchange.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "."), UInt8(ascii: "-"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "_" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }
}

/// Thousands grouped with commas (ids and data stay as they are; only counts are formatted).
func grouped(_ value: Int64) -> String {
    let digits = String(value.magnitude)
    var out = ""
    for (index, character) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(character)
    }
    return value < 0 ? "-" + out : out
}
