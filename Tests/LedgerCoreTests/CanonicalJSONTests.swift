import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// Reads the (non-canonical) RFC inputs leniently with Foundation, so the canonical encoder can be
/// checked against the RFC's expected bytes.
private enum LenientJSON: Decodable {
    case value(JSONValue)
    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .value(.null); return }
        if let flag = try? container.decode(Bool.self) { self = .value(.bool(flag)); return }
        if let number = try? container.decode(Int64.self) { self = .value(.integer(number)); return }
        if let number = try? container.decode(Double.self), number == number.rounded() { self = .value(.integer(Int64(number))); return }
        if let text = try? container.decode(String.self) { self = .value(.string(text)); return }
        if let array = try? container.decode([LenientJSON].self) { self = .value(.array(array.map(\.json))); return }
        let object = try container.decode([String: LenientJSON].self)
        self = .value(.object(object.mapValues(\.json)))
    }
    var json: JSONValue { if case .value(let value) = self { return value }; return .null }
}

@Suite("Canonical JSON (RFC 8785 subset)")
struct CanonicalJSONTests {
    struct Vector: Sendable, CustomStringConvertible {
        let name: String, input: String, canonical: [UInt8]
        var description: String { name }
    }

    static func vectors() throws -> [Vector] {
        let file = try Fixtures.json("vectors/rfc8785-jcs.json")
        return (file["vectors"] as! [[String: Any]]).map {
            Vector(name: $0["name"] as! String, input: $0["input_json"] as! String,
                   canonical: Fixtures.bytes(hex: $0["canonical_utf8_hex"] as! String))
        }
    }

    @Test(arguments: try vectors())
    func encoderProducesTheRFCBytes(_ vector: Vector) throws {
        let value = try JSONDecoder().decode(LenientJSON.self, from: Data(vector.input.utf8)).json
        #expect(CanonicalJSON.encode(value) == vector.canonical)
    }

    @Test(arguments: try vectors())
    func strictParserAcceptsTheRFCOutputAndReencodesItByteForByte(_ vector: Vector) throws {
        let value = try CanonicalJSONParser.parse(vector.canonical)
        #expect(CanonicalJSON.encode(value) == vector.canonical)
    }

    @Test(arguments: try vectors().filter { Array($0.input.utf8) != $0.canonical })
    func strictParserRejectsTheRFCsNonCanonicalInputs(_ vector: Vector) {
        #expect(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(Array(vector.input.utf8)) }
    }

    static let rejections: [(String, [UInt8], CanonicalJSONError.Reason, Int)] = [
        ("float", Array(#"{"a":1.5}"#.utf8), .floatingPoint, 6),
        ("exponent", Array(#"{"a":1e5}"#.utf8), .floatingPoint, 6),
        ("negative zero", Array(#"[-0]"#.utf8), .nonCanonicalNumber, 1),
        ("leading zero", Array(#"[01]"#.utf8), .nonCanonicalNumber, 1),
        ("plus sign", Array(#"[+1]"#.utf8), .nonCanonicalNumber, 1),
        ("integer beyond 2^53-1", Array(#"[9007199254740992]"#.utf8), .integerOutOfRange, 1),
        ("duplicate key", Array(#"{"a":1,"a":2}"#.utf8), .duplicateKey, 7),
        ("unsorted keys", Array(#"{"b":1,"a":2}"#.utf8), .unsortedKeys, 7),
        ("space after colon", Array(#"{"a": 1}"#.utf8), .whitespace, 5),
        ("trailing newline", Array("{}\n".utf8), .trailingBytes, 2),
        ("escaped slash", Array(#"["\/"]"#.utf8), .nonCanonicalEscape, 2),
        ("escaped letter", Array(#"["\u0041"]"#.utf8), .nonCanonicalEscape, 2),
        ("uppercase hex escape", Array(#"["\u001F"]"#.utf8), .nonCanonicalEscape, 2),
        ("long form of newline", Array(#"["\u000a"]"#.utf8), .nonCanonicalEscape, 2),
        ("raw control character", [0x5b, 0x22, 0x01, 0x22, 0x5d], .unescapedControl, 2),
        ("invalid UTF-8", [0x5b, 0x22, 0xff, 0x22, 0x5d], .invalidUTF8, 2),
        ("overlong UTF-8", [0x5b, 0x22, 0xc0, 0xaf, 0x22, 0x5d], .invalidUTF8, 2),
        ("UTF-8 surrogate", [0x5b, 0x22, 0xed, 0xa0, 0x80, 0x22, 0x5d], .invalidUTF8, 2),
        ("truncated", Array(#"{"a":"#.utf8), .unexpectedEnd, 5),
        ("empty input", [], .unexpectedEnd, 0),
    ]

    @Test func eachNonCanonicalFormIsRejectedAtTheRightByte() {
        for (name, bytes, reason, offset) in Self.rejections {
            do {
                _ = try CanonicalJSONParser.parse(bytes)
                Issue.record("\(name): accepted")
            } catch {
                #expect(error.reason == reason, "\(name): \(error)")
                #expect(error.offset == offset, "\(name): \(error)")
                #expect(error.description.hasPrefix("byte \(offset + 1): "), "\(name)")
            }
        }
    }

    @Test func oversizedLineIsRefusedBeforeParsing() {
        let big = Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: CanonicalJSON.maxLineBytes) + Array("\"".utf8)
        #expect(throws: CanonicalJSONError(.tooLarge, at: CanonicalJSON.maxLineBytes, "\(big.count) bytes is larger than the \(CanonicalJSON.maxLineBytes)-byte limit")) {
            try CanonicalJSONParser.parse(big)
        }
    }

    @Test func deepNestingIsRejectedNotACrash() throws {
        // As deep as fits in a line: the parser must stop at its depth limit, not recurse on.
        let levels = CanonicalJSON.maxLineBytes / 2
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: levels) + [UInt8](repeating: UInt8(ascii: "]"), count: levels)
        let error = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(deep) }
        #expect(error.reason == .tooDeep && error.offset == CanonicalJSONParser.maxDepth, "\(error)")
        #expect(error.detail.contains("more than \(CanonicalJSONParser.maxDepth) levels"), "\(error)")
    }

    @Test func controlCharactersUseTheShortestCanonicalEscape() throws {
        let value = JSONValue.string("a\u{8}\t\n\u{c}\r\u{1f}\"\\\u{7f}é")
        let bytes = CanonicalJSON.encode(value)
        #expect(String(decoding: bytes, as: UTF8.self) == "\"a\\b\\t\\n\\f\\r\\u001f\\\"\\\\\u{7f}é\"")
        #expect(try CanonicalJSONParser.parse(bytes) == value)
    }

    @Test func stringsEncodeAsTheEscapeTableSaysWhereverTheEscapesFall() throws {
        // The encoder copies runs between escapes whole: escapes first, last, side by side and
        // alone, empty strings and multi-byte text must come out as escaping byte by byte would.
        func expected(_ text: String) -> [UInt8] {
            var out: [UInt8] = [0x22]
            for byte in text.utf8 {
                switch byte {
                case 0x22: out += [0x5c, 0x22]
                case 0x5c: out += [0x5c, 0x5c]
                case 0x08: out += Array("\\b".utf8)
                case 0x09: out += Array("\\t".utf8)
                case 0x0a: out += Array("\\n".utf8)
                case 0x0c: out += Array("\\f".utf8)
                case 0x0d: out += Array("\\r".utf8)
                case 0x00..<0x20: out += Array(String(format: "\\u%04x", UInt32(byte)).utf8)
                default: out.append(byte)
                }
            }
            return out + [0x22]
        }
        let pieces = ["", "a", "\"", "\\", "\n", "\u{0}", "\u{1f}", "é", "\u{1F600}", "hash0123abcdef", "/+=", "\u{7f}"]
        var generator = SystemRandomNumberGenerator()
        var cases = pieces + ["\"\"", "\\abc\\", "\nmiddle\t", "only text"]
        for _ in 0..<500 {
            cases.append((0..<Int.random(in: 0...8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined())
        }
        for text in cases {
            let bytes = CanonicalJSON.encode(.string(text))
            #expect(bytes == expected(text), "\(text.debugDescription)")
            #expect(try CanonicalJSONParser.parse(bytes) == .string(text))
        }
    }

    @Test func keysSortByUTF16CodeUnitsNotUTF8Bytes() throws {
        // U+1F600 (surrogates D83D…) sorts before U+FB33 in UTF-16 but after it in UTF-8.
        let value = JSONValue.object(["\u{FB33}": .integer(1), "\u{1F600}": .integer(2)])
        #expect(String(decoding: CanonicalJSON.encode(value), as: UTF8.self) == "{\"\u{1F600}\":2,\"\u{FB33}\":1}")
        // The parser compares keys by bytes where that agrees with UTF-16, and as strings where not.
        #expect(try CanonicalJSONParser.parse(Array("{\"\u{1F600}\":2,\"\u{FB33}\":1}".utf8)) == value)
        let utf8Order = try #require(throws: CanonicalJSONError.self) {
            try CanonicalJSONParser.parse(Array("{\"\u{FB33}\":1,\"\u{1F600}\":2}".utf8))
        }
        #expect(utf8Order.reason == .unsortedKeys)
    }

    @Test func escapedKeysSortByTheirTextNotTheirEscapes() throws {
        // "\n" is U+000A, before "A" (U+0041), although its escape's backslash (0x5C) is after it.
        let sorted = Array(#"{"\n":1,"A":2}"#.utf8)
        #expect(try CanonicalJSONParser.parse(sorted) == .object(["\n": .integer(1), "A": .integer(2)]))
        #expect(CanonicalJSON.encode(try CanonicalJSONParser.parse(sorted)) == sorted)
        let unsorted = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(Array(#"{"A":1,"\n":2}"#.utf8)) }
        #expect(unsorted.reason == .unsortedKeys && unsorted.offset == 7)
        let duplicate = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(Array(#"{"\u001f":1,"\u001f":2}"#.utf8)) }
        #expect(duplicate.reason == .duplicateKey && duplicate.offset == 12)
        let prefix = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(Array(#"{"ab":1,"a":2}"#.utf8)) }
        #expect(prefix.reason == .unsortedKeys)
    }

    /// `{"e\u0301":1,"é":2}` in raw UTF-8: two distinct keys in code-unit order (U+0065 before
    /// U+00E9), so canonical bytes, but equal as Swift strings; a `[String: JSONValue]` would keep
    /// one member and drop the other, so the parse is refused at the second key.
    @Test func keysThatAreEqualOnlyUnderUnicodeEquivalenceAreRefusedNotMerged() throws {
        let bytes: [UInt8] = [0x7b, 0x22, 0x65, 0xcc, 0x81, 0x22, 0x3a, 0x31, 0x2c, 0x22, 0xc3, 0xa9, 0x22, 0x3a, 0x32, 0x7d]
        let error = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(bytes) }
        #expect(error.reason == .duplicateKey && error.offset == 9, "\(error)")
        #expect(error.detail.contains("U+0065 U+0301") && error.detail.contains("U+00E9") && error.detail.contains("Unicode canonical equivalence"), "\(error)")
        // The same keys with an escape in each (the parser's string path) and nested in an array.
        let escaped = Array("[{\"\\u0001e\u{301}\":1,\"\\u0001\u{e9}\":2}]".utf8)
        let nested = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(escaped) }
        #expect(nested.reason == .duplicateKey && nested.offset == 16 && nested.detail.contains("Unicode canonical equivalence"), "\(nested)")
        // In the other order the keys are not sorted (U+00E9 after U+0065), not duplicates.
        for reversed in ["{\"\u{e9}\":1,\"e\u{301}\":2}", "{\"\\u0001\u{e9}\":1,\"\\u0001e\u{301}\":2}"] {
            let error = try #require(throws: CanonicalJSONError.self) { try CanonicalJSONParser.parse(Array(reversed.utf8)) }
            #expect(error.reason == .unsortedKeys, "\(reversed): \(error)")
        }
    }

    /// Values, unlike keys, may differ only in normalisation: each keeps its own bytes.
    @Test func valuesThatDifferOnlyInUnicodeNormalisationRoundTrip() throws {
        let text = "{\"a\":\"caf\u{e9}\",\"b\":\"cafe\u{301}\",\"c\":[\"\u{e9}\",\"e\u{301}\"]}"
        let bytes = Array(text.utf8)
        let value = try CanonicalJSONParser.parse(bytes)
        #expect(CanonicalJSON.encode(value) == bytes)
        #expect(value["a"]?.stringValue.map { Array($0.utf8) } == Array("caf\u{e9}".utf8))
        #expect(value["b"]?.stringValue.map { Array($0.utf8) } == Array("cafe\u{301}".utf8))
    }

    /// Random and mutated inputs never trap; whatever is accepted re-encodes to itself. Inputs
    /// that ever failed are kept in Fixtures/fuzz/canonical-json and replayed first.
    @Test func fuzzedInputsNeverTrapAndAcceptedOnesAreCanonical() throws {
        var corpus: [[UInt8]] = try Self.vectors().map(\.canonical) + Self.rejections.map(\.1)
        let kept = try FuzzCorpus.load("canonical-json")
        for input in kept {  // each kept input as it was found, then mutated with the rest
            if let value = try? CanonicalJSONParser.parse(input) {
                #expect(CanonicalJSON.encode(value) == input, "accepted a non-canonical kept input: \(Hex.encode(input))")
            }
        }
        corpus += kept
        var random = SeededRandom(seed: 8785)
        for round in 0..<20_000 {
            var input = corpus[round % corpus.count]
            FuzzCorpus.mutate(&input, using: &random)
            do {
                let value = try CanonicalJSONParser.parse(input)
                #expect(CanonicalJSON.encode(value) == input, "accepted a non-canonical input: \(Hex.encode(input))")
            } catch {
                #expect(error.offset >= 0 && error.offset <= max(input.count, CanonicalJSON.maxLineBytes))
            }
        }
    }
}
