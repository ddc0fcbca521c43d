/// The value rules of DESIGN §2 and §6 for identifiers, lists and text, shared by every body.
package enum FieldRules {
    /// Party ids: `^[a-z0-9][a-z0-9.-]{0,62}$`.
    package static func isPartyID(_ text: String) -> Bool {
        let b = text.utf8
        guard (1...63).contains(b.count), let first = b.first, isLowerAlnum(first) else { return false }
        return allBytes(text) { isLowerAlnum($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "-") }
    }

    /// Event, dataset, grant and exchange ids: 1–128 characters of `[A-Za-z0-9._:-]`.
    package static func isObjectID(_ text: String) -> Bool {
        let b = text.utf8
        guard (1...128).contains(b.count) else { return false }
        return allBytes(text) { byte in
            isLowerAlnum(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "-")
        }
    }

    /// Ledger origins: 1–128 bytes of printable ASCII without space or `+` (it is also the
    /// checkpoint key name, DESIGN §2).
    package static func isOrigin(_ text: String) -> Bool {
        let b = text.utf8
        return (1...128).contains(b.count) && b.allSatisfy { (0x21...0x7e).contains($0) && $0 != UInt8(ascii: "+") }
    }

    /// Key ids: 16 lowercase hex digits (first 8 bytes of H(key string)).
    package static func isKeyID(_ text: String) -> Bool {
        text.utf8.count == 16 && allBytes(text, isLowerHex)
    }

    /// Digests: 64 lowercase hex digits (32 bytes of H).
    package static func isDigest(_ text: String) -> Bool {
        text.utf8.count == 64 && allBytes(text, isLowerHex)
    }

    /// The longest free-text field (names, reasons, notes…), in UTF-8 bytes.
    package static let maxTextBytes = 4096
    /// The longest field name in a field list, in UTF-8 bytes.
    package static let maxFieldNameBytes = 256
    /// The most names a field list may hold.
    package static let maxFieldCount = 1024

    /// Why `text` is not acceptable free text, or nil. Free text is non-empty, at most
    /// ``maxTextBytes``, and free of control characters other than tab and newline — so nothing
    /// written into the ledger can drive a terminal that prints it.
    package static func textProblem(_ text: String) -> String? {
        if text.isEmpty { return "must not be empty" }
        if text.utf8.count > maxTextBytes { return "is \(text.utf8.count) bytes; the limit is \(maxTextBytes)" }
        for scalar in text.unicodeScalars where isForbiddenControl(scalar) && scalar != "\n" && scalar != "\t" {
            return "contains control character U+\(String(scalar.value, radix: 16, uppercase: true)); only tab and newline are allowed"
        }
        return nil
    }

    /// Why `names` is not a valid field list, or nil: sorted by UTF-16 code units, unique,
    /// non-empty, each name non-empty, short and without control characters.
    ///
    /// Names are compared by code units, not by Swift's `==` (Unicode canonical equivalence):
    /// `"e\u{301}"` and `"é"` are two names with different bytes, listed in that order (U+0065
    /// sorts before U+00E9), as canonical JSON compares them (DESIGN §4).
    package static func fieldListProblem(_ names: [String]) -> String? {
        if names.isEmpty { return "must list at least one field" }
        if names.count > maxFieldCount { return "lists \(names.count) fields; the limit is \(maxFieldCount)" }
        for (index, name) in names.enumerated() {
            if name.isEmpty { return "entry \(index) is empty" }
            if name.utf8.count > maxFieldNameBytes { return "entry \(index) is longer than \(maxFieldNameBytes) bytes" }
            if name.unicodeScalars.contains(where: isForbiddenControl) { return "entry \(index) contains a control character" }
            if index > 0 {
                let previous = names[index - 1]
                if !CanonicalJSON.utf16Precedes(previous, name) {
                    if previous.utf16.elementsEqual(name.utf16) { return "\"\(name)\" appears twice; list each field once" }
                    if previous == name {
                        return "\"\(name)\" must come before \"\(previous)\" (the same text in another Unicode normalisation form; names sort by UTF-16 code units); list fields in sorted order"
                    }
                    return "\"\(name)\" must come before \"\(previous)\"; list fields in sorted order"
                }
            }
        }
        return nil
    }

    /// True when every UTF-8 byte of `text` satisfies `rule`, read in place where the string's
    /// storage allows (a generic walk over `String.UTF8View` was a measurable share of parsing).
    @inline(__always)
    private static func allBytes(_ text: String, _ rule: (UInt8) -> Bool) -> Bool {
        if let result = text.utf8.withContiguousStorageIfAvailable({ bytes in
            for byte in bytes where !rule(byte) { return false }
            return true
        }) {
            return result
        }
        return text.utf8.allSatisfy(rule)
    }

    private static func isForbiddenControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value)
    }

    private static func isLowerAlnum(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }
}
