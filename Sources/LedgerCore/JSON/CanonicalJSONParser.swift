import LedgerCrypto

/// A strict parser for FlowLedger's canonical JSON (DESIGN §4, RFC 8785 subset).
///
/// It accepts a byte string only if it is exactly the canonical encoding of the value it parses
/// to — the property "parse, re-encode, compare bytes" — but checks it token by token so that a
/// rejection names the first offending byte. Two different byte strings therefore never parse to
/// the same entry. It never traps on hostile input: sizes, depth and integer ranges are bounded.
public struct CanonicalJSONParser: ~Copyable {
    /// Objects and arrays nested deeper than this are rejected (events need fewer than 8 levels).
    public static let maxDepth = 64

    private let bytes: UnsafeBufferPointer<UInt8>
    private var position = 0
    private var depth = 0

    private init(_ bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    /// Parses `input`, which must be one canonical JSON value and nothing else.
    /// - Parameter maxBytes: inputs longer than this are refused before parsing.
    public static func parse(_ input: some Collection<UInt8>, maxBytes: Int = CanonicalJSON.maxLineBytes) throws(CanonicalJSONError) -> JSONValue {
        guard input.count <= maxBytes else {
            throw CanonicalJSONError(.tooLarge, at: maxBytes, "\(input.count) bytes is larger than the \(maxBytes)-byte limit")
        }
        let result: Result<JSONValue, CanonicalJSONError>? = input.withContiguousStorageIfAvailable { buffer in
            Self.parseBuffer(buffer)
        }
        if let result { return try result.get() }
        let copy = Array(input)
        return try copy.withUnsafeBufferPointer { Self.parseBuffer($0) }.get()
    }

    private static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, CanonicalJSONError> {
        var parser = CanonicalJSONParser(buffer)
        do throws(CanonicalJSONError) {
            let value = try parser.parseValue()
            guard parser.position == buffer.count else {
                throw CanonicalJSONError(.trailingBytes, at: parser.position, "unexpected \(describe(buffer[parser.position])) after the end of the JSON value")
            }
            return .success(value)
        } catch {
            return .failure(error)
        }
    }

    // MARK: - Values

    private mutating func parseValue() throws(CanonicalJSONError) -> JSONValue {
        guard position < bytes.count else {
            throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends where a value was expected")
        }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try parseObject()
        case UInt8(ascii: "["): return try parseArray()
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .integer(try parseInteger())
        case UInt8(ascii: "+"):
            throw CanonicalJSONError(.nonCanonicalNumber, at: position, "a number may not start with '+'")
        default:
            throw unexpected("a value")
        }
    }

    private mutating func parseObject() throws(CanonicalJSONError) -> JSONValue {
        try enterContainer()
        position += 1  // '{'
        var members: [String: JSONValue] = [:]
        var previousKey: String?
        if peek(UInt8(ascii: "}")) {
            position += 1
            depth -= 1
            return .object(members)
        }
        while true {
            let keyOffset = position
            guard peek(UInt8(ascii: "\"")) else { throw unexpected("a string key") }
            let key = try parseString()
            if let previousKey {
                if previousKey == key {
                    throw CanonicalJSONError(.duplicateKey, at: keyOffset, "duplicate key \"\(quotedForMessage(key))\"")
                }
                if !CanonicalJSON.utf16Precedes(previousKey, key) {
                    throw CanonicalJSONError(.unsortedKeys, at: keyOffset, "key \"\(quotedForMessage(key))\" must come before \"\(quotedForMessage(previousKey))\"; canonical JSON sorts keys by UTF-16 code units")
                }
            }
            try expect(UInt8(ascii: ":"), "':' after an object key")
            members[key] = try parseValue()
            previousKey = key
            if peek(UInt8(ascii: ",")) {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "}"), "',' or '}' in an object")
            depth -= 1
            return .object(members)
        }
    }

    private mutating func parseArray() throws(CanonicalJSONError) -> JSONValue {
        try enterContainer()
        position += 1  // '['
        var elements: [JSONValue] = []
        if peek(UInt8(ascii: "]")) {
            position += 1
            depth -= 1
            return .array(elements)
        }
        while true {
            elements.append(try parseValue())
            if peek(UInt8(ascii: ",")) {
                position += 1
                continue
            }
            try expect(UInt8(ascii: "]"), "',' or ']' in an array")
            depth -= 1
            return .array(elements)
        }
    }

    private mutating func enterContainer() throws(CanonicalJSONError) {
        depth += 1
        if depth > Self.maxDepth {
            throw CanonicalJSONError(.tooDeep, at: position, "nesting deeper than \(Self.maxDepth) levels")
        }
    }

    // MARK: - Numbers

    /// `-?(0|[1-9][0-9]*)` within ±(2^53-1); no fraction, exponent or `-0`.
    private mutating func parseInteger() throws(CanonicalJSONError) -> Int64 {
        let start = position
        var negative = false
        if bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        let digitsStart = position
        var magnitude: Int64 = 0
        while position < bytes.count, isDigit(bytes[position]) {
            if position - digitsStart >= 16 {
                throw CanonicalJSONError(.integerOutOfRange, at: start, "integer has more than 16 digits; FlowLedger integers are within ±(2^53-1)")
            }
            magnitude = magnitude * 10 + Int64(bytes[position] - UInt8(ascii: "0"))
            position += 1
        }
        let digitCount = position - digitsStart
        guard digitCount > 0 else { throw unexpected("a digit") }
        if digitCount > 1, bytes[digitsStart] == UInt8(ascii: "0") {
            throw CanonicalJSONError(.nonCanonicalNumber, at: digitsStart, "a number may not have a leading zero")
        }
        if position < bytes.count, [UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E")].contains(bytes[position]) {
            throw CanonicalJSONError(.floatingPoint, at: position, "fractions and exponents are not allowed; FlowLedger JSON carries integers only")
        }
        if negative, magnitude == 0 {
            throw CanonicalJSONError(.nonCanonicalNumber, at: start, "-0 is not canonical; write 0")
        }
        guard magnitude <= JSONValue.maxSafeInteger else {
            throw CanonicalJSONError(.integerOutOfRange, at: start, "integer is outside ±(2^53-1)")
        }
        return negative ? -magnitude : magnitude
    }

    // MARK: - Strings

    /// A string with exactly RFC 8785's escapes and well-formed UTF-8.
    private mutating func parseString() throws(CanonicalJSONError) -> String {
        position += 1  // opening quote
        let start = position
        var decoded: [UInt8]?  // only built when the string contains escapes
        while true {
            guard position < bytes.count else {
                throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends inside a string")
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                let text: String
                if let decoded {
                    text = String(decoding: decoded, as: UTF8.self)
                } else {
                    text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
                }
                position += 1
                return text
            case UInt8(ascii: "\\"):
                if decoded == nil { decoded = Array(bytes[start..<position]) }
                decoded!.append(try parseEscape())
            case 0x00..<0x20:
                throw CanonicalJSONError(.unescapedControl, at: position, "control character 0x\(Self.hexByte(byte)) must be escaped inside a string")
            case 0x00..<0x80:
                decoded?.append(byte)
                position += 1
            default:
                let length = try validateUTF8Sequence()
                decoded?.append(contentsOf: bytes[position..<position + length])
                position += length
            }
        }
    }

    /// One escape after a backslash; returns the control byte or quote/backslash it stands for.
    private mutating func parseEscape() throws(CanonicalJSONError) -> UInt8 {
        let escapeStart = position
        guard position + 1 < bytes.count else {
            throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends inside an escape")
        }
        let kind = bytes[position + 1]
        position += 2
        switch kind {
        case UInt8(ascii: "\""): return UInt8(ascii: "\"")
        case UInt8(ascii: "\\"): return UInt8(ascii: "\\")
        case UInt8(ascii: "b"): return 0x08
        case UInt8(ascii: "t"): return 0x09
        case UInt8(ascii: "n"): return 0x0a
        case UInt8(ascii: "f"): return 0x0c
        case UInt8(ascii: "r"): return 0x0d
        case UInt8(ascii: "u"):
            guard position + 4 <= bytes.count else {
                throw CanonicalJSONError(.unexpectedEnd, at: escapeStart, "input ends inside a \\u escape")
            }
            let digits = Array(bytes[position..<position + 4])
            // Canonical \u escapes are only \u00xx (lowercase) for controls without a short form.
            guard digits[0] == UInt8(ascii: "0"), digits[1] == UInt8(ascii: "0"),
                  let high = Hex.nibble(digits[2]), let low = Hex.nibble(digits[3]), high < 2
            else {
                throw CanonicalJSONError(.nonCanonicalEscape, at: escapeStart, "\\u\(String(decoding: digits, as: UTF8.self)) is not canonical: only control characters are escaped as \\u00xx (lowercase hex); write other characters literally in UTF-8")
            }
            let value = high << 4 | low
            if [0x08, 0x09, 0x0a, 0x0c, 0x0d].contains(value) {
                throw CanonicalJSONError(.nonCanonicalEscape, at: escapeStart, "\\u00\(Self.hexByte(value)) is not canonical; use the short escape \(Self.shortEscape(value))")
            }
            position += 4
            return value
        default:
            throw CanonicalJSONError(.nonCanonicalEscape, at: escapeStart, "escape \\\(Self.describe(kind)) is not canonical; only \\\" \\\\ \\b \\f \\n \\r \\t and \\u00xx for control characters are used")
        }
    }

    /// Checks one multi-byte UTF-8 sequence at `position` (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) and returns its length.
    private func validateUTF8Sequence() throws(CanonicalJSONError) -> Int {
        let lead = bytes[position]
        let length: Int
        var scalar: UInt32
        switch lead {
        case 0xc2...0xdf: length = 2; scalar = UInt32(lead & 0x1f)
        case 0xe0...0xef: length = 3; scalar = UInt32(lead & 0x0f)
        case 0xf0...0xf4: length = 4; scalar = UInt32(lead & 0x07)
        default:
            throw CanonicalJSONError(.invalidUTF8, at: position, "byte 0x\(Self.hexByte(lead)) cannot start a UTF-8 character")
        }
        guard position + length <= bytes.count else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "UTF-8 character is cut off by the end of input")
        }
        for index in 1..<length {
            let continuation = bytes[position + index]
            guard continuation & 0xc0 == 0x80 else {
                throw CanonicalJSONError(.invalidUTF8, at: position + index, "byte 0x\(Self.hexByte(continuation)) is not a UTF-8 continuation byte")
            }
            scalar = scalar << 6 | UInt32(continuation & 0x3f)
        }
        let minimum: UInt32 = length == 3 ? 0x800 : (length == 4 ? 0x10000 : 0x80)
        guard scalar >= minimum else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "overlong UTF-8 encoding")
        }
        guard !(0xd800...0xdfff).contains(scalar) else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "UTF-8 encodes a surrogate (U+\(String(scalar, radix: 16, uppercase: true))), which is not a character")
        }
        guard scalar <= 0x10ffff else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "UTF-8 encodes a value above U+10FFFF")
        }
        return length
    }

    // MARK: - Tokens

    private mutating func expectLiteral(_ literal: StaticString) throws(CanonicalJSONError) {
        let count = literal.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        guard position + count <= bytes.count, bytes[position..<position + count].elementsEqual(expected) else {
            throw unexpected("\(literal)")
        }
        position += count
    }

    private func peek(_ byte: UInt8) -> Bool {
        position < bytes.count && bytes[position] == byte
    }

    private mutating func expect(_ byte: UInt8, _ what: String) throws(CanonicalJSONError) {
        guard peek(byte) else { throw unexpected(what) }
        position += 1
    }

    private func unexpected(_ expected: String) -> CanonicalJSONError {
        guard position < bytes.count else {
            return CanonicalJSONError(.unexpectedEnd, at: position, "input ends where \(expected) was expected")
        }
        let byte = bytes[position]
        if [0x20, 0x09, 0x0a, 0x0d].contains(byte) {
            return CanonicalJSONError(.whitespace, at: position, "whitespace is not allowed in canonical JSON (expected \(expected))")
        }
        return CanonicalJSONError(.unexpectedByte, at: position, "expected \(expected), found \(Self.describe(byte))")
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private static func describe(_ byte: UInt8) -> String {
        (0x21..<0x7f).contains(byte) ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(Self.hexByte(byte))"
    }

    private static func shortEscape(_ value: UInt8) -> String {
        switch value {
        case 0x08: return "\\b"
        case 0x09: return "\\t"
        case 0x0a: return "\\n"
        case 0x0c: return "\\f"
        default: return "\\r"
        }
    }

    private static func hexByte(_ value: UInt8) -> String { Hex.encode([value]) }
}
