import LedgerCrypto

/// A strict parser for FlowLedger's canonical JSON (DESIGN §4, RFC 8785 subset).
///
/// It accepts a byte string only if it is exactly the canonical encoding of the value it parses
/// to — the property "parse, re-encode, compare bytes" — but checks it token by token so that a
/// rejection names the first offending byte. Two different byte strings therefore never parse to
/// the same entry. It never traps on hostile input: sizes, depth and integer ranges are bounded.
///
/// The same scanner reads input JSON (``InputJSON``, the ``Grammar/input`` grammar): there it
/// also allows whitespace between tokens, keys in any order and every JSON escape, and checks
/// everything else — UTF-8, control characters, integers only, unique keys, depth, size — exactly
/// as for canonical JSON, with the same errors.
package struct CanonicalJSONParser: ~Copyable {
    /// Objects and arrays nested deeper than this are rejected (events need fewer than 8 levels).
    package static let maxDepth = 64

    /// Which JSON the parser accepts.
    enum Grammar: Sendable {
        /// Exactly the canonical encoding of the value (DESIGN §4): entries and signed lines.
        case canonical
        /// JSON as people and scripts write it (``InputJSON``): any whitespace between tokens,
        /// keys in any order (each once), any JSON escape; integers only, as for canonical JSON.
        case input
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    /// True for ``Grammar/input``: a stored flag, so the canonical path pays one predictable
    /// branch per token for it.
    private let input: Bool
    private var position = 0
    private var depth = 0
    private var nodes: [JSONTape.Node] = []

    private init(_ bytes: UnsafeBufferPointer<UInt8>, grammar: Grammar) {
        self.bytes = bytes
        self.input = grammar == .input
    }

    /// Parses `input`, which must be one canonical JSON value and nothing else.
    ///
    /// An object whose keys differ in bytes but are equal as Swift `String`s (Unicode canonical
    /// equivalence, `"e\u{301}"` and `"é"`) is refused with ``CanonicalJSONError/Reason/duplicateKey``:
    /// it is canonical, but a ``JSONValue`` object cannot hold both members, and dropping one would
    /// make the result mean something other than its bytes.
    /// - Parameter maxBytes: inputs longer than this are refused before parsing.
    package static func parse(_ input: some Collection<UInt8>, maxBytes: Int = CanonicalJSON.maxLineBytes) throws(CanonicalJSONError) -> JSONValue {
        guard input.count <= maxBytes else { throw tooLarge(input.count, maxBytes) }  // before copying it
        return try tape(Array(input), maxBytes: maxBytes).value(at: 0)
    }

    private static func tooLarge(_ count: Int, _ maxBytes: Int) -> CanonicalJSONError {
        CanonicalJSONError(.tooLarge, at: maxBytes, "\(count) bytes is larger than the \(maxBytes)-byte limit")
    }

    /// Parses `bytes` into a flat ``JSONTape`` (no tree, no per-string allocation); the same
    /// checks and errors as ``parse(_:maxBytes:)``, or, with `grammar` ``Grammar/input``, as
    /// ``InputJSON/parse(_:maxBytes:)``. An error carries the path of the member it is in.
    static func tape(_ bytes: [UInt8], maxBytes: Int = CanonicalJSON.maxLineBytes, grammar: Grammar = .canonical) throws(CanonicalJSONError) -> JSONTape {
        guard bytes.count <= maxBytes else { throw tooLarge(bytes.count, maxBytes) }
        let nodes = try bytes.withUnsafeBufferPointer { buffer in Self.parseBuffer(buffer, grammar: grammar) }.get()
        return JSONTape(bytes: bytes, nodes: nodes)
    }

    private static func parseBuffer(_ buffer: UnsafeBufferPointer<UInt8>, grammar: Grammar) -> Result<[JSONTape.Node], CanonicalJSONError> {
        var parser = CanonicalJSONParser(buffer, grammar: grammar)
        // About one node per 12 bytes for entries; one allocation in the common case.
        parser.nodes.reserveCapacity(buffer.count / 12 + 4)
        do throws(CanonicalJSONError) {
            try parser.parseValue()
            parser.skipWhitespace()
            guard parser.position == buffer.count else {
                throw CanonicalJSONError(.trailingBytes, at: parser.position, "unexpected \(describe(buffer[parser.position])) after the end of the JSON value")
            }
            return .success(parser.nodes)
        } catch {
            // Located only now, from the nodes parsed so far: the path costs nothing until a
            // document is refused.
            return .failure(error.located(at: parser.pathOfUnfinishedMember()))
        }
    }

    // MARK: - Values

    /// Parses the value at `position` into `nodes` (its node, then its children).
    private mutating func parseValue() throws(CanonicalJSONError) {
        skipWhitespace()
        guard position < bytes.count else {
            throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends where a value was expected")
        }
        let start = Int32(position)
        switch bytes[position] {
        case UInt8(ascii: "{"): try parseObject()
        case UInt8(ascii: "["): try parseArray()
        case UInt8(ascii: "\""): try parseString()
        case UInt8(ascii: "t"): try expectLiteral("true"); append(.trueValue, start)
        case UInt8(ascii: "f"): try expectLiteral("false"); append(.falseValue, start)
        case UInt8(ascii: "n"): try expectLiteral("null"); append(.null, start)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let value = try parseInteger()
            append(.integer, start)
            nodes[nodes.count - 1].integer = value
        case UInt8(ascii: "+"):
            throw CanonicalJSONError(.nonCanonicalNumber, at: position, "a number may not start with '+'")
        default:
            throw unexpected("a value")
        }
    }

    /// Appends a scalar node that ends at `position`.
    private mutating func append(_ kind: JSONTape.Kind, _ start: Int32) {
        let next = Int32(nodes.count + 1)
        nodes.append(JSONTape.Node(kind: kind, start: start, end: Int32(position), next: next))
    }

    /// Completes the container node at `index` once its children are parsed.
    private mutating func close(_ index: Int, count: Int32) {
        position += 1  // '}' or ']'
        depth -= 1
        nodes[index].count = count
        nodes[index].end = Int32(position)
        nodes[index].next = Int32(nodes.count)
    }

    private mutating func parseObject() throws(CanonicalJSONError) {
        try enterContainer()
        let index = nodes.count
        nodes.append(JSONTape.Node(kind: .object, start: Int32(position)))
        position += 1  // '{'
        skipWhitespace()
        if peek(UInt8(ascii: "}")) {
            close(index, count: 0)
            return
        }
        var count: Int32 = 0
        var previousKey: Int?
        // Input JSON: the keys seen so far, as text, to refuse a repeated one (canonical JSON
        // refuses it through the order check: a repeat is never strictly after its first).
        var inputKeys = Set<[UInt8]>()
        while true {
            skipWhitespace()
            let keyOffset = position
            guard peek(UInt8(ascii: "\"")) else { throw unexpected("a string key") }
            try parseString()
            let key = nodes.count - 1
            if input {
                guard inputKeys.insert(keyText(nodes[key])).inserted else { throw duplicateKey(text(nodes[key]), at: keyOffset) }
            } else if let previousKey {
                try checkOrder(previousKey, key, at: keyOffset)
            }
            skipWhitespace()
            try expect(UInt8(ascii: ":"), "':' after an object key")
            try parseValue()
            previousKey = key
            count += 1
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                continue
            }
            guard peek(UInt8(ascii: "}")) else { throw unexpected("',' or '}' in an object") }
            close(index, count: count)
            return
        }
    }

    private func duplicateKey(_ key: String, at offset: Int) -> CanonicalJSONError {
        CanonicalJSONError(.duplicateKey, at: offset, "duplicate key \"\(quotedForMessage(key))\": a key may appear only once in an object; keep one of them")
    }

    /// Keys must be unique and sorted by UTF-16 code units. For keys without escapes that is byte
    /// order, except where the first differing bytes are a character from U+E000–U+FFFF (lead byte
    /// 0xEE or 0xEF) against one above U+FFFF (0xF0…): those, and escaped keys, are compared as
    /// strings.
    private func checkOrder(_ previous: Int, _ key: Int, at offset: Int) throws(CanonicalJSONError) {
        let a = nodes[previous], b = nodes[key]
        var ordered: Bool?
        if !a.escaped && !b.escaped {
            let lengthA = Int(a.end - a.start), lengthB = Int(b.end - b.start)
            var index = 0
            while index < lengthA, index < lengthB, bytes[Int(a.start) + index] == bytes[Int(b.start) + index] { index += 1 }
            if index == lengthA || index == lengthB {
                ordered = lengthA < lengthB  // a prefix sorts first; equal keys are duplicates
            } else if bytes[Int(a.start) + index] < 0xee && bytes[Int(b.start) + index] < 0xee {
                ordered = bytes[Int(a.start) + index] < bytes[Int(b.start) + index]
            }
        }
        if ordered == true { return }
        let previousKey = text(a), currentKey = text(b)
        // Duplicates by code units, as the byte path above: Swift's `==` would call canonically
        // equivalent keys ("e\u{301}", "é") duplicates, though they are distinct, sorted keys.
        if previousKey.utf8.elementsEqual(currentKey.utf8) { throw duplicateKey(currentKey, at: offset) }
        if !CanonicalJSON.utf16Precedes(previousKey, currentKey) {
            throw CanonicalJSONError(.unsortedKeys, at: offset, "key \"\(quotedForMessage(currentKey))\" must come before \"\(quotedForMessage(previousKey))\"; canonical JSON sorts keys by UTF-16 code units")
        }
    }

    /// The text of a string node already parsed.
    private func text(_ node: JSONTape.Node) -> String {
        String(decoding: keyText(node), as: UTF8.self)
    }

    /// The UTF-8 of the text of a string node already parsed (escapes decoded).
    private func keyText(_ node: JSONTape.Node) -> [UInt8] {
        let literal = UnsafeBufferPointer(rebasing: bytes[Int(node.start)..<Int(node.end)])
        return node.escaped ? JSONTape.unescape(literal) : Array(literal)
    }

    private mutating func parseArray() throws(CanonicalJSONError) {
        try enterContainer()
        let index = nodes.count
        nodes.append(JSONTape.Node(kind: .array, start: Int32(position)))
        position += 1  // '['
        skipWhitespace()
        if peek(UInt8(ascii: "]")) {
            close(index, count: 0)
            return
        }
        var count: Int32 = 0
        while true {
            try parseValue()
            count += 1
            skipWhitespace()
            if peek(UInt8(ascii: ",")) {
                position += 1
                continue
            }
            guard peek(UInt8(ascii: "]")) else { throw unexpected("',' or ']' in an array") }
            close(index, count: count)
            return
        }
    }

    private mutating func enterContainer() throws(CanonicalJSONError) {
        depth += 1
        if depth > Self.maxDepth {
            throw CanonicalJSONError(.tooDeep, at: position, "objects and arrays are nested more than \(Self.maxDepth) levels deep here; no FlowLedger event or entry nests more than a few, so this is not one: check what produced the line")
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
        if negative, magnitude == 0, !input {  // input JSON's -0 is the integer 0
            throw CanonicalJSONError(.nonCanonicalNumber, at: start, "-0 is not canonical; write 0")
        }
        guard magnitude <= JSONValue.maxSafeInteger else {
            throw CanonicalJSONError(.integerOutOfRange, at: start, "integer is outside ±(2^53-1)")
        }
        return negative ? -magnitude : magnitude
    }

    // MARK: - Strings

    /// A string with exactly RFC 8785's escapes and well-formed UTF-8; appends its node (the
    /// bytes between the quotes, and whether they hold escapes).
    private mutating func parseString() throws(CanonicalJSONError) {
        position += 1  // opening quote
        let start = position
        var escaped = false
        while true {
            // Plain printable ASCII, the bulk of every string, in a tight loop.
            while position < bytes.count, bytes[position] >= 0x20, bytes[position] < 0x80,
                  bytes[position] != UInt8(ascii: "\""), bytes[position] != UInt8(ascii: "\\") {
                position += 1
            }
            guard position < bytes.count else {
                throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends inside a string")
            }
            let byte = bytes[position]
            switch byte {
            case UInt8(ascii: "\""):
                nodes.append(JSONTape.Node(kind: .string, escaped: escaped, start: Int32(start), end: Int32(position),
                                           next: Int32(nodes.count + 1)))
                position += 1
                return
            case UInt8(ascii: "\\"):
                escaped = true
                if input { try checkInputEscape() } else { try checkEscape() }
            case 0x00..<0x20:
                throw CanonicalJSONError(.unescapedControl, at: position, "control character 0x\(Self.hexByte(byte)) must be escaped inside a string")
            case 0x00..<0x80:
                position += 1
            default:
                position += try validateUTF8Sequence()
            }
        }
    }

    /// Checks one escape after a backslash and moves past it (``JSONTape/unescape(_:)`` decodes it).
    private mutating func checkEscape() throws(CanonicalJSONError) {
        let escapeStart = position
        guard position + 1 < bytes.count else {
            throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends inside an escape")
        }
        let kind = bytes[position + 1]
        position += 2
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "t"), UInt8(ascii: "n"),
             UInt8(ascii: "f"), UInt8(ascii: "r"):
            return
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
        default:
            throw CanonicalJSONError(.nonCanonicalEscape, at: escapeStart, "escape \\\(Self.describe(kind)) is not canonical; only \\\" \\\\ \\b \\f \\n \\r \\t and \\u00xx for control characters are used")
        }
    }

    /// Checks one escape of input JSON after a backslash and moves past it: any escape of RFC 8259
    /// §7, `\u` with either case of hex, a surrogate only as a high-low `\uXXXX\uXXXX` pair
    /// (``JSONTape/unescape(_:)`` decodes them all).
    private mutating func checkInputEscape() throws(CanonicalJSONError) {
        let escapeStart = position
        guard position + 1 < bytes.count else {
            throw CanonicalJSONError(.unexpectedEnd, at: position, "input ends inside an escape")
        }
        let kind = bytes[position + 1]
        position += 2
        switch kind {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "t"),
             UInt8(ascii: "n"), UInt8(ascii: "f"), UInt8(ascii: "r"):
            return
        case UInt8(ascii: "u"):
            let unit = try hexUnit(escapeStart)
            switch unit {
            case 0xd800...0xdbff:
                let low = position
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw loneSurrogate(unit, at: escapeStart, "a high surrogate not followed by a \\u escape of a low one")
                }
                position += 2
                let second = try hexUnit(low)
                guard (0xdc00...0xdfff).contains(second) else {
                    throw loneSurrogate(unit, at: escapeStart, "a high surrogate followed by \\u\(Self.hex4(second)), which is not a low one")
                }
            case 0xdc00...0xdfff:
                throw loneSurrogate(unit, at: escapeStart, "a low surrogate without a high one before it")
            default:
                return
            }
        default:
            throw CanonicalJSONError(.invalidEscape, at: escapeStart, "escape \\\(Self.describe(kind)) is not a JSON escape; the escapes are \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (write a backslash itself as \\\\)")
        }
    }

    /// The four hex digits after `\u` (either case), at `position`, which moves past them.
    private mutating func hexUnit(_ escapeStart: Int) throws(CanonicalJSONError) -> UInt16 {
        var unit: UInt16 = 0
        for _ in 0..<4 {
            guard position < bytes.count else {
                throw CanonicalJSONError(.unexpectedEnd, at: escapeStart, "input ends inside a \\u escape")
            }
            guard let digit = Self.hexDigit(bytes[position]) else {
                throw CanonicalJSONError(.invalidEscape, at: escapeStart, "a \\u escape needs four hex digits, found \(Self.describe(bytes[position])); write \\u and four of 0-9 a-f A-F")
            }
            unit = unit << 4 | UInt16(digit)
            position += 1
        }
        return unit
    }

    private func loneSurrogate(_ unit: UInt16, at offset: Int, _ what: String) -> CanonicalJSONError {
        CanonicalJSONError(.loneSurrogate, at: offset, "\\u\(Self.hex4(unit)) is a lone surrogate (\(what)): it is not a character and has no UTF-8 form; write the character itself in UTF-8, or as a pair \\uD8xx\\uDCxx")
    }

    private static func hexDigit(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    private static func hex4(_ unit: UInt16) -> String {
        let digits = String(unit, radix: 16)
        return String(repeating: "0", count: 4 - digits.count) + digits
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
            throw CanonicalJSONError(.invalidUTF8, at: position, "invalid UTF-8: byte 0x\(Self.hexByte(lead)) cannot start a character\(Self.utf8Advice)")
        }
        guard position + length <= bytes.count else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "invalid UTF-8: a character is cut off by the end of input\(Self.utf8Advice)")
        }
        for index in 1..<length {
            let continuation = bytes[position + index]
            guard continuation & 0xc0 == 0x80 else {
                // Named at the lead byte: that is the character that is wrong (a Latin-1 é, 0xe9,
                // reads as the start of a 3-byte character followed by whatever came next).
                throw CanonicalJSONError(.invalidUTF8, at: position, "invalid UTF-8: byte 0x\(Self.hexByte(lead)) starts a \(length)-byte character, but byte 0x\(Self.hexByte(continuation)) after it is not a continuation byte (0x80–0xbf)\(Self.utf8Advice)")
            }
            scalar = scalar << 6 | UInt32(continuation & 0x3f)
        }
        let minimum: UInt32 = length == 3 ? 0x800 : (length == 4 ? 0x10000 : 0x80)
        guard scalar >= minimum else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "invalid UTF-8: an overlong encoding\(Self.utf8Advice)")
        }
        guard !(0xd800...0xdfff).contains(scalar) else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "invalid UTF-8: it encodes a surrogate (U+\(String(scalar, radix: 16, uppercase: true))), which is not a character\(Self.utf8Advice)")
        }
        guard scalar <= 0x10ffff else {
            throw CanonicalJSONError(.invalidUTF8, at: position, "invalid UTF-8: it encodes a value above U+10FFFF\(Self.utf8Advice)")
        }
        return length
    }

    private static let utf8Advice = "; JSON text must be UTF-8 (convert the input to UTF-8)"

    // MARK: - Tokens

    /// Input JSON: moves past space, tab, LF and CR (RFC 8259 §2). Canonical JSON has none.
    @inline(__always)
    private mutating func skipWhitespace() {
        guard input else { return }
        while position < bytes.count {
            let byte = bytes[position]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0a || byte == 0x0d else { return }
            position += 1
        }
    }

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

    // MARK: - Error locations

    /// The path of the member being read when parsing stopped (`body.note`, `body.fields[2]`),
    /// worked out from the nodes parsed so far: an open container's node has no ``JSONTape/Node/next``
    /// yet, and its children before the current one are complete subtrees. A key is named once it
    /// is parsed and its value is not yet complete (so a refused key names itself); an array
    /// element by the number of elements complete before it. Past ``maxPathComponents`` the
    /// path ends in `…`, so a refusal of deep nesting stays one readable line.
    private func pathOfUnfinishedMember() -> String {
        var path = ""
        var container = 0
        var components = 0
        while container < nodes.count, nodes[container].next == 0 {
            components += 1
            if components > Self.maxPathComponents {
                path += "…"
                break
            }
            var child = container + 1
            var open: Int?
            if nodes[container].kind == .object {
                while child < nodes.count {
                    let key = child, value = child + 1
                    if value >= nodes.count || nodes[value].next == 0 {
                        path = JSONFieldPath.appending(key: text(nodes[key]), to: path)
                        if value < nodes.count { open = value }
                        break
                    }
                    child = Int(nodes[value].next)
                }
            } else {
                var index = 0
                while child < nodes.count, nodes[child].next != 0 {
                    child = Int(nodes[child].next)
                    index += 1
                }
                path = JSONFieldPath.appending(index: index, to: path)
                if child < nodes.count { open = child }
            }
            guard let open else { break }
            container = open
        }
        return path
    }

    /// The most members and elements an error's path names before it is cut with `…`.
    static let maxPathComponents = 10

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
