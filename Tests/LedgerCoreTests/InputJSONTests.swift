import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// ``InputJSON``: JSON as people write it, lenient in layout only. Every refusal names the byte
/// and the member; every acceptance means what the bytes say (checked against Foundation's own
/// JSON reader on random inputs).
@Suite("Input JSON (lenient layout, strict content)")
struct InputJSONTests {
    /// The zero-based offset of the first occurrence of `marker` in `bytes`.
    static func offset(of marker: String, in bytes: [UInt8]) -> Int {
        let needle = Array(marker.utf8)
        return (0...(bytes.count - needle.count)).first { bytes[$0..<$0 + needle.count].elementsEqual(needle) }!
    }

    static func refusal(_ bytes: [UInt8]) throws -> CanonicalJSONError {
        try #require(throws: CanonicalJSONError.self) { try InputJSON.parse(bytes) }
    }

    static func refusal(_ text: String) throws -> CanonicalJSONError { try refusal(Array(text.utf8)) }

    @Test func anySpacingAndKeyOrderReadsAsTheCanonicalValue() throws {
        let canonical = Array(#"{"a":[1,-2,true,false,null],"b":{"c":"d","e":{}},"f":[]}"#.utf8)
        let spaced = Array(" \t{ \"f\" : [ ] ,\r\n \"b\":{\"e\" :{ },\"c\":\"d\"}, \"a\" : [1 , -2,true ,false, null ] }\n ".utf8)
        let expected = try CanonicalJSONParser.parse(canonical)
        #expect(try InputJSON.parse(spaced) == expected)
        #expect(CanonicalJSON.encode(try InputJSON.parse(spaced)) == canonical)
        // Canonical JSON is input JSON too, with the same value.
        #expect(try InputJSON.parse(canonical) == expected)
    }

    @Test func everyJSONEscapeIsDecodedToItsCharacter() throws {
        let value = try InputJSON.parse(Array(#"["\/", "\u00e9\u00E9", "\ud83d\ude00", "\u0041", "\"\\\b\f\n\r\t", "\u0000"]"#.utf8))
        #expect(value == .array([.string("/"), .string("éé"), .string("\u{1F600}"), .string("A"), .string("\"\\\u{8}\u{c}\n\r\t"), .string("\u{0}")]))
        // An escaped key is the same key as its literal form.
        #expect(try InputJSON.parse(Array(#"{"no\u0074e":1}"#.utf8)) == .object(["note": .integer(1)]))
    }

    @Test func aRepeatedKeyIsRefusedNamingTheKeyItsPathAndItsByte() throws {
        let line = Array(#"{"type":"quality.reported","body":{"note":"n","note":"m"}}"#.utf8)
        let error = try Self.refusal(line)
        #expect(error.reason == .duplicateKey)
        #expect(error.path == "body.note")
        #expect(error.offset == Self.offset(of: #""note":"m""#, in: line))
        #expect(error.detail.hasPrefix(#"duplicate key "note": a key may appear only once"#), "\(error)")
        // Spelled differently (an escape, other spacing), it is still the same key.
        let escaped = try Self.refusal(#"{"body": {"note": "n", "no\u0074e" : "m"}}"#)
        #expect(escaped.reason == .duplicateKey && escaped.path == "body.note", "\(escaped)")
        // Keys equal only under Unicode canonical equivalence cannot both be kept either.
        let equivalent = try Self.refusal("{\"body\":{\"e\u{301}\":1, \"\u{e9}\":2}}")
        #expect(equivalent.reason == .duplicateKey && equivalent.path.hasPrefix("body"), "\(equivalent)")
    }

    @Test func bytesThatAreNotUTF8AreNamedAsSuchWithTheirOffset() throws {
        for bad: [UInt8] in [[0xff], [0xc3], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80]] {
            let line = Array(#"{"body":{"note":"ok "#.utf8) + bad + Array(#""}}"#.utf8)
            let error = try Self.refusal(line)
            #expect(error.reason == .invalidUTF8, "\(bad): \(error)")
            #expect(error.path == "body.note", "\(bad): \(error)")
            #expect(error.offset == Self.offset(of: "ok ", in: line) + 3, "\(bad): \(error)")  // the character's first byte
            #expect(error.detail.hasPrefix("invalid UTF-8: "), "\(bad): \(error)")
        }
    }

    @Test func aLoneSurrogateEscapeIsNamedAsSuchWithItsOffset() throws {
        for escape in [#"\ud800"#, #"\uDBFF x"#, #"\udc00"#, #"\ud800\u0041"#, #"\ud800\ud800"#] {
            let line = Array(#"{"body":{"note":"a "#.utf8) + Array(escape.utf8) + Array(#""}}"#.utf8)
            let error = try Self.refusal(line)
            #expect(error.reason == .loneSurrogate, "\(escape): \(error)")
            #expect(error.path == "body.note", "\(escape): \(error)")
            #expect(error.offset == Self.offset(of: "a \\", in: line) + 2, "\(escape): \(error)")
            #expect(error.detail.contains("lone surrogate"), "\(escape): \(error)")
        }
    }

    @Test func nestingDeeperThanTheLimitIsRefusedNamingTheLimit() throws {
        let limit = CanonicalJSONParser.maxDepth
        let allowed = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
        #expect(throws: Never.self) { try InputJSON.parse(Array(allowed.utf8)) }
        let deep = #"{"body":{"note":"#.utf8 + Array(String(repeating: "[ ", count: limit).utf8) + Array("]".utf8)
        let error = try Self.refusal(deep)
        #expect(error.reason == .tooDeep, "\(error)")
        #expect(error.detail.contains("more than \(limit) levels"), "\(error)")
        #expect(error.path == "body.note" + String(repeating: "[0]", count: 8) + "…", "\(error)")  // cut at 10 members
        #expect(error.offset == Self.offset(of: "[", in: deep) + 2 * (limit - 2), "\(error)")
        // No stack overflow at the deepest nesting that fits in the size limit.
        let deepest = [UInt8](repeating: UInt8(ascii: "["), count: CanonicalJSON.maxLineBytes)
        #expect(try Self.refusal(deepest).reason == .tooDeep)
    }

    @Test func numbersAreIntegersWithinTwoToThe53() throws {
        #expect(try InputJSON.parse(Array("[9007199254740991, -9007199254740991, -0, 0]".utf8))
                == .array([.integer(JSONValue.maxSafeInteger), .integer(-JSONValue.maxSafeInteger), .integer(0), .integer(0)]))
        let cases: [(String, CanonicalJSONError.Reason)] = [
            (#"{"a": 1.5}"#, .floatingPoint), (#"{"a": 1e5}"#, .floatingPoint), (#"{"a": 1E+5}"#, .floatingPoint),
            (#"{"a": 9007199254740992}"#, .integerOutOfRange), (#"{"a": 01}"#, .nonCanonicalNumber),
            (#"{"a": +1}"#, .nonCanonicalNumber), (#"{"a": -}"#, .unexpectedByte),
        ]
        for (text, reason) in cases {
            let error = try Self.refusal(text)
            #expect(error.reason == reason && error.path == "a" && error.offset >= 6, "\(text): \(error)")
        }
    }

    @Test func controlCharactersBadEscapesAndTrailingBytesAreRefused() throws {
        let cases: [(String, CanonicalJSONError.Reason, Int)] = [
            ("{\"a\": \"x\u{1}\"}", .unescapedControl, 8),
            ("{\"a\": \"x\ty\"}", .unescapedControl, 8),
            (#"{"a": "\x"}"#, .invalidEscape, 7),
            (#"{"a": "\u12"}"#, .invalidEscape, 7),
            (#"{"a": "\u12g4"}"#, .invalidEscape, 7),
            (#"{"a": 1} {"b": 2}"#, .trailingBytes, 9),
            (#"{"a": 1,}"#, .unexpectedByte, 8),
            (#"{"a" 1}"#, .unexpectedByte, 5),
            (#"{'a': 1}"#, .unexpectedByte, 1),
            ("\u{feff}{}", .unexpectedByte, 0),
            (#"{"a": tru}"#, .unexpectedByte, 6),
            (#"{"a": "x"#, .unexpectedEnd, 8),
            ("", .unexpectedEnd, 0),
            ("  ", .unexpectedEnd, 2),
        ]
        for (text, reason, offset) in cases {
            let error = try Self.refusal(text)
            #expect(error.reason == reason && error.offset == offset, "\(text): \(error)")
        }
    }

    @Test func errorsNameTheArrayElementTheyAreIn() throws {
        let error = try Self.refusal(Array(#"{"body": {"fields": ["a", "b", "c"#.utf8) + [0xff] + Array(#""]}}"#.utf8))
        #expect(error.path == "body.fields[2]", "\(error)")
        let key = try Self.refusal(#"{"a.b": {"x y": [0, {"": 1.5}]}}"#)
        #expect(key.path == #"["a.b"]["x y"][1][""]"#, "\(key)")
    }

    @Test func inputLargerThanTheLimitIsRefusedBeforeParsing() throws {
        let big = Array("\"".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: CanonicalJSON.maxLineBytes) + Array("\"".utf8)
        let error = try Self.refusal(big)
        #expect(error.reason == .tooLarge && error.detail == "\(big.count) bytes is larger than the \(CanonicalJSON.maxLineBytes)-byte limit")
        #expect(try InputJSON.parse(big, maxBytes: big.count) == .string(String(repeating: "a", count: CanonicalJSON.maxLineBytes)))
    }

    /// Random mutations of valid inputs never trap; whatever is accepted is valid JSON by
    /// Foundation's reader too, with the same value; whatever is refused names a byte in range.
    /// The inputs kept in Fixtures/fuzz/input-json are read as found first, then mutated too.
    @Test func mutatedInputsNeverTrapAndAcceptedOnesMeanWhatFoundationReads() throws {
        let kept = try FuzzCorpus.load("input-json")
        #expect(kept.count >= 4)
        let seeds = kept + [
            #"{"type": "quality.reported", "id": "q-1", "body": {"dataset": "trips", "note": "caf\u00e9 \ud83d\ude00 é", "severity": "low"}}"#,
            #"{"type":"dataset.cataloged","body":{"dataset":"d","fields":["a","b"],"level":"general","sharing":"open","title":"T"}}"#,
            "[1, -2, true, false, null, \"a\\n\\\"\", {\"k\": [[]]}]",
        ].map { Array($0.utf8) }
        var random = SeededRandom(seed: 8259)
        var accepted = 0
        for round in 0..<(kept.count + 20_000) {
            var input = seeds[round % seeds.count]
            if round >= kept.count { FuzzCorpus.mutate(&input, using: &random) }
            do {
                let value = try InputJSON.parse(input)
                accepted += 1
                let foundation = try JSONSerialization.jsonObject(with: Data(input), options: [.fragmentsAllowed])
                #expect(Self.same(value, foundation), "read differently from Foundation: \(Hex.encode(input))")
            } catch let error as CanonicalJSONError {
                #expect(error.offset >= 0 && error.offset <= input.count, "\(error)")
                #expect(!error.detail.isEmpty)
            }
        }
        #expect(accepted > 100)  // the mutations leave enough inputs valid to compare
    }

    /// True when Foundation's reading of a JSON text is `value`.
    static func same(_ value: JSONValue, _ foundation: Any) -> Bool {
        switch value {
        case .null: return foundation is NSNull
        case .bool(let flag): return (foundation as? NSNumber)?.boolValue == flag
        case .integer(let number): return (foundation as? NSNumber).map { $0.int64Value == number && $0.doubleValue == Double(number) } ?? false
        case .string(let text): return (foundation as? String).map { Array($0.utf8) == Array(text.utf8) } ?? false
        case .array(let elements):
            guard let others = foundation as? [Any], others.count == elements.count else { return false }
            return zip(elements, others).allSatisfy { same($0, $1) }
        case .object(let members):
            guard let others = foundation as? [String: Any], others.count == members.count else { return false }
            return members.allSatisfy { key, member in others[key].map { same(member, $0) } ?? false }
        }
    }
}
