/// Untrusted text (a quality note, an audit finding, a purpose) made safe to print on a terminal:
/// characters a terminal may act on, or that reorder, hide or break lines — controls (C0, DEL,
/// C1), format characters (bidi overrides, zero-width), line and paragraph separators — are
/// written as JSON's escapes (`\n`, `\t`, `\uXXXX`), so one value can never show as two lines or
/// two rows. Also what a client does to an error message a server sent, before anyone prints it.
package enum TerminalText {
    /// `text` with every unsafe character escaped; everything else as it is. With
    /// `keepingLineBreaks`, a `\n` stays a line break (a message of several lines of our own).
    package static func escaped(_ text: some StringProtocol, keepingLineBreaks: Bool = false) -> String {
        guard text.unicodeScalars.contains(where: { isUnsafe($0) && !(keepingLineBreaks && $0 == "\n") }) else { return String(text) }
        var out = ""
        for scalar in text.unicodeScalars {
            if keepingLineBreaks && scalar == "\n" { out += "\n" } else { append(scalar, to: &out) }
        }
        return out
    }

    /// Appends `scalar`, escaped if it is unsafe.
    package static func append(_ scalar: Unicode.Scalar, to out: inout String) {
        switch scalar {
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        default:
            if isUnsafe(scalar) {
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }

    /// Controls, format characters, separators, and code points with no character.
    package static func isUnsafe(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: return true
        default: return false
        }
    }
}
