import LedgerCrypto

/// A strict RFC 8941 §4.2 parser for dictionaries (the only top-level type FlowLedger reads).
///
/// Stricter than the RFC in three ways, each because a signature check should have one reading
/// of its input: duplicate dictionary keys and duplicate parameter keys are refused instead of
/// the last one winning; byte sequences must be canonical padded base64; decimals are refused.
/// Every length is bounded (``Limits``), so a hostile header costs at most linear time in a
/// bounded input and can never crash the parser.
package struct StructuredFieldParser {
    /// Upper bounds on what the parser accepts; generous for FlowLedger's own headers.
    package enum Limits {
        /// Longest header value, in bytes.
        package static let fieldLength = 8192
        /// Most dictionary members.
        package static let members = 32
        /// Most items in one inner list.
        package static let innerListItems = 32
        /// Most parameters on one item or inner list.
        package static let parameters = 32
        /// Longest key, string or token, in characters.
        package static let keyLength = 64
        /// Longest string or token, in characters.
        package static let stringLength = 1024
        /// Longest byte sequence, in base64 characters.
        package static let byteSequenceLength = 4096
    }

    private let input: [UInt8]
    private let field: String
    private var position = 0

    private init(_ text: String, field: String) {
        self.input = Array(text.utf8)
        self.field = field
    }

    /// Parses `text` as a dictionary (§4.2.2); `field` names the header in error messages.
    package static func parseDictionary(_ text: String, field: String) throws(RequestSignatureError) -> StructuredField.Dictionary {
        var parser = StructuredFieldParser(text, field: field)
        return try parser.dictionary()
    }

    // MARK: - Top level

    private mutating func dictionary() throws(RequestSignatureError) -> StructuredField.Dictionary {
        guard input.count <= Limits.fieldLength else {
            throw failure("is \(input.count) bytes long (at most \(Limits.fieldLength) accepted)", at: false)
        }
        if let bad = input.firstIndex(where: { $0 < 0x20 && $0 != 0x09 || $0 >= 0x7f }) {
            position = bad
            throw failure("contains a byte (\(input[bad])) that is not printable ASCII")
        }
        skip(spacesOnly: true)
        var dictionary = StructuredField.Dictionary()
        while position < input.count {
            let key = try self.key()
            guard !dictionary.members.contains(where: { $0.key == key }) else {
                throw failure("has the member \"\(key)\" twice")
            }
            guard dictionary.members.count < Limits.members else {
                throw failure("has more than \(Limits.members) members")
            }
            let member: StructuredField.Member
            if peek == UInt8(ascii: "=") {
                position += 1
                member = try itemOrInnerList()
            } else {
                member = .item(StructuredField.Item(.boolean(true), parameters: try parameters()))
            }
            dictionary.members.append((key, member))
            skip(spacesOnly: false)
            if position == input.count { return dictionary }
            guard peek == UInt8(ascii: ",") else { throw failure("expected \",\" between members") }
            position += 1
            skip(spacesOnly: false)
            if position == input.count { throw failure("ends with a trailing \",\"") }
        }
        return dictionary
    }

    private mutating func itemOrInnerList() throws(RequestSignatureError) -> StructuredField.Member {
        if peek == UInt8(ascii: "(") { return .innerList(try innerList()) }
        return .item(try item())
    }

    private mutating func innerList() throws(RequestSignatureError) -> StructuredField.InnerList {
        position += 1  // "("
        var items: [StructuredField.Item] = []
        while position < input.count {
            skip(spacesOnly: true)
            if peek == UInt8(ascii: ")") {
                position += 1
                return StructuredField.InnerList(items, parameters: try parameters())
            }
            guard items.count < Limits.innerListItems else {
                throw failure("has an inner list of more than \(Limits.innerListItems) items")
            }
            items.append(try item())
            guard peek == UInt8(ascii: " ") || peek == UInt8(ascii: ")") else {
                throw failure("expected a space or \")\" in an inner list")
            }
        }
        throw failure("ends inside an inner list (missing \")\")")
    }

    private mutating func item() throws(RequestSignatureError) -> StructuredField.Item {
        let value = try bareItem()
        return StructuredField.Item(value, parameters: try parameters())
    }

    private mutating func parameters() throws(RequestSignatureError) -> StructuredField.Parameters {
        var parameters = StructuredField.Parameters()
        while peek == UInt8(ascii: ";") {
            position += 1
            skip(spacesOnly: true)
            let key = try self.key()
            guard parameters[key] == nil else { throw failure("has the parameter \"\(key)\" twice") }
            guard parameters.entries.count < Limits.parameters else {
                throw failure("has more than \(Limits.parameters) parameters on one value")
            }
            var value = StructuredField.BareItem.boolean(true)
            if peek == UInt8(ascii: "=") {
                position += 1
                value = try bareItem()
            }
            parameters.entries.append((key, value))
        }
        return parameters
    }

    // MARK: - Bare items

    private mutating func bareItem() throws(RequestSignatureError) -> StructuredField.BareItem {
        guard let char = peek else { throw failure("ends where a value was expected") }
        switch char {
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try integer()
        case UInt8(ascii: "\""): return try string()
        case UInt8(ascii: ":"): return try byteSequence()
        case UInt8(ascii: "?"): return try boolean()
        case UInt8(ascii: "*"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"): return try token()
        default: throw failure("has \"\(Character(Unicode.Scalar(char)))\" where a value was expected")
        }
    }

    private mutating func integer() throws(RequestSignatureError) -> StructuredField.BareItem {
        var sign: Int64 = 1
        if peek == UInt8(ascii: "-") {
            sign = -1
            position += 1
        }
        var value: Int64 = 0
        var digits = 0
        while let char = peek, char >= UInt8(ascii: "0"), char <= UInt8(ascii: "9") {
            digits += 1
            // RFC 8941: at most 15 digits, so the value always fits an Int64.
            guard digits <= 15 else { throw failure("has an integer of more than 15 digits") }
            value = value * 10 + Int64(char - UInt8(ascii: "0"))
            position += 1
        }
        guard digits > 0 else { throw failure("has \"-\" without digits") }
        if peek == UInt8(ascii: ".") { throw failure("has a decimal number, which no FlowLedger field carries") }
        return .integer(sign * value)
    }

    private mutating func string() throws(RequestSignatureError) -> StructuredField.BareItem {
        position += 1  // opening quote
        // The text's bytes, all printable ASCII; counted as they come (a String's count is a walk
        // over it, which made a header of long strings cost quadratic time before any signature
        // was checked).
        var text: [UInt8] = []
        while let char = peek {
            position += 1
            switch char {
            case UInt8(ascii: "\\"):
                guard let next = peek, next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\") else {
                    throw failure("has a string with a backslash not followed by \" or \\")
                }
                text.append(next)
                position += 1
            case UInt8(ascii: "\""):
                return .string(String(decoding: text, as: UTF8.self))
            case 0x20...0x7e:
                text.append(char)
            default:
                position -= 1
                throw failure("has a string with a character that is not printable ASCII")
            }
            guard text.count <= Limits.stringLength else {
                throw failure("has a string longer than \(Limits.stringLength) characters")
            }
        }
        throw failure("ends inside a string (missing closing quote)")
    }

    private mutating func token() throws(RequestSignatureError) -> StructuredField.BareItem {
        let start = position
        while let char = peek, Self.isTokenChar(char) {
            position += 1
            guard position - start <= Limits.stringLength else {
                throw failure("has a token longer than \(Limits.stringLength) characters")
            }
        }
        return .token(String(decoding: input[start..<position], as: UTF8.self))
    }

    private mutating func byteSequence() throws(RequestSignatureError) -> StructuredField.BareItem {
        position += 1  // opening colon
        let start = position
        while let char = peek, char != UInt8(ascii: ":") {
            guard Self.isBase64Char(char) else { throw failure("has a byte sequence with a character outside base64") }
            position += 1
            guard position - start <= Limits.byteSequenceLength else {
                throw failure("has a byte sequence longer than \(Limits.byteSequenceLength) characters")
            }
        }
        guard peek == UInt8(ascii: ":") else { throw failure("ends inside a byte sequence (missing closing \":\")") }
        let text = String(decoding: input[start..<position], as: UTF8.self)
        position += 1
        do {
            return .byteSequence(try Base64.decode(text, field: "byte sequence"))
        } catch {
            throw failure("has a byte sequence that is not canonical padded base64 (\(error.message))")
        }
    }

    private mutating func boolean() throws(RequestSignatureError) -> StructuredField.BareItem {
        position += 1  // "?"
        switch peek {
        case UInt8(ascii: "1"):
            position += 1
            return .boolean(true)
        case UInt8(ascii: "0"):
            position += 1
            return .boolean(false)
        default:
            throw failure("has \"?\" not followed by 0 or 1")
        }
    }

    private mutating func key() throws(RequestSignatureError) -> String {
        guard let first = peek, first == UInt8(ascii: "*") || (first >= UInt8(ascii: "a") && first <= UInt8(ascii: "z")) else {
            throw failure("expected a key (lowercase letter or \"*\" first)")
        }
        let start = position
        while let char = peek, Self.isKeyChar(char) {
            position += 1
            guard position - start <= Limits.keyLength else {
                throw failure("has a key longer than \(Limits.keyLength) characters")
            }
        }
        return String(decoding: input[start..<position], as: UTF8.self)
    }

    // MARK: - Characters

    private var peek: UInt8? { position < input.count ? input[position] : nil }

    /// Skips SP (inside inner lists and after `;`) or OWS, SP and HTAB (around dictionary commas).
    private mutating func skip(spacesOnly: Bool) {
        while let char = peek, char == UInt8(ascii: " ") || (!spacesOnly && char == 0x09) { position += 1 }
    }

    private static func isKeyChar(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9"))
            || c == UInt8(ascii: "_") || c == UInt8(ascii: "-") || c == UInt8(ascii: ".") || c == UInt8(ascii: "*")
    }

    /// tchar (RFC 9110 §5.6.2) plus ":" and "/" (RFC 8941 §3.3.4).
    private static func isTokenChar(_ c: UInt8) -> Bool {
        if (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) {
            return true
        }
        return tokenPunctuation.contains(c)
    }

    /// The punctuation a token may hold besides letters and digits.
    private static let tokenPunctuation = Set("!#$%&'*+-.^_`|~:/".utf8)

    private static func isBase64Char(_ c: UInt8) -> Bool {
        (c >= UInt8(ascii: "a") && c <= UInt8(ascii: "z")) || (c >= UInt8(ascii: "A") && c <= UInt8(ascii: "Z"))
            || (c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9")) || c == UInt8(ascii: "+") || c == UInt8(ascii: "/") || c == UInt8(ascii: "=")
    }

    private func failure(_ problem: String, at: Bool = true) -> RequestSignatureError {
        let location = at ? " at character \(position + 1)" : ""
        return RequestSignatureError(.malformed, "\(field): the header \(problem)\(location); it must be an RFC 8941 dictionary such as the one `flowledger` clients send")
    }
}
