import LedgerTestSupport
import Testing
@testable import LedgerWire

@Suite("Strict RFC 8941 dictionaries")
struct StructuredFieldTests {
    static let flInput = #"fl=("@method" "@target-uri" "content-digest");created=1700000000;expires=1700000060;keyid="0123456789abcdef";alg="ed25519";tag="flowledger/v1""#

    @Test func parsesSignatureInputAndSerializesItBack() throws {
        let dictionary = try StructuredFieldParser.parseDictionary(Self.flInput, field: "Signature-Input")
        #expect(dictionary.members.count == 1)
        guard case .innerList(let list) = try #require(dictionary["fl"]) else {
            Issue.record("fl is not an inner list")
            return
        }
        #expect(list.items.map(\.value) == [.string("@method"), .string("@target-uri"), .string("content-digest")])
        #expect(list.parameters.entries.map(\.key) == ["created", "expires", "keyid", "alg", "tag"])
        #expect(list.parameters["created"] == .integer(1_700_000_000))
        #expect(dictionary.serialized == Self.flInput)
    }

    @Test func everyItemTypeRoundTrips() throws {
        let text = #"a=1, b=-42;p, c="q\"uo\\te", d=tok/en:x, e=:AQID:, f=?0, g, h=("x";n=1 y);z, i=()"#
        let dictionary = try StructuredFieldParser.parseDictionary(text, field: "test")
        #expect(dictionary["a"] == .item(.init(.integer(1))))
        #expect(dictionary["c"] == .item(.init(.string(#"q"uo\te"#))))
        #expect(dictionary["d"] == .item(.init(.token("tok/en:x"))))
        #expect(dictionary["e"] == .item(.init(.byteSequence([1, 2, 3]))))
        #expect(dictionary["g"] == .item(.init(.boolean(true))))
        #expect(dictionary.serialized == text)
        #expect(try StructuredFieldParser.parseDictionary(dictionary.serialized, field: "test") == dictionary)
        // `?1` is spelled by its key alone when serialized (RFC 8941 §4.1.2).
        #expect(try StructuredFieldParser.parseDictionary("a=?1;b=?1", field: "test").serialized == "a;b")
    }

    @Test func whitespaceIsCanonicalisedOnSerialization() throws {
        let dictionary = try StructuredFieldParser.parseDictionary("  a=( 1  2 ) ,\tb=3 ", field: "test")
        #expect(dictionary.serialized == "a=(1 2), b=3")
    }

    @Test func emptyFieldIsAnEmptyDictionary() throws {
        #expect(try StructuredFieldParser.parseDictionary("", field: "test").members.isEmpty)
    }

    @Test(arguments: [
        "a=1,", "a=1,,b=2", "A=1", "1a=1", "a=1 b=2", "a=(1", "a=(1 2", "a=(1)2", "a=\"x", #"a="x\n""#, "a=\"\u{7}\"",
        "a=:AQID", "a=:AQI:", "a=:A Q:", "a=?2", "a=?", "a=-", "a=1.5", "a=1234567890123456", "a=1;", "a=1;B",
        "a=1, a=2", "a=1;p;p", "a=é", "a=\"é\"", "a=$", "a=1\u{0}", "a=((1))", "a=1;p=(1)", "=1", "a=1\t,\u{7f}",
    ])
    func malformedDictionariesAreRefused(_ text: String) throws {
        let error = try #require(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary(text, field: "Signature-Input") }
        #expect(error.code == .malformed)
        #expect(error.message.hasPrefix("Signature-Input: "))
    }

    @Test func errorSaysWhatAndWhere() throws {
        let error = try #require(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary("fl=(\"@method\" @x)", field: "Signature-Input") }
        #expect(error.message.hasPrefix("Signature-Input: the header has \"@\" where a value was expected at character 15;"))
    }

    @Test func limitsAreEnforced() throws {
        let long = "a=\"" + String(repeating: "x", count: StructuredFieldParser.Limits.stringLength + 1) + "\""
        #expect(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary(long, field: "t") }
        // The limit counts the string's characters, an escape as the one character it stands for.
        let atLimit = String(repeating: "x", count: StructuredFieldParser.Limits.stringLength - 2) + #"\"\\"#
        #expect(try StructuredFieldParser.parseDictionary("a=\"" + atLimit + "\"", field: "t")["a"]
                == .item(.init(.string(String(repeating: "x", count: StructuredFieldParser.Limits.stringLength - 2) + #""\"#))))
        #expect(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary("a=\"x" + atLimit + "\"", field: "t") }
        let manyMembers = (0...StructuredFieldParser.Limits.members).map { "k\($0)=1" }.joined(separator: ", ")
        #expect(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary(manyMembers, field: "t") }
        let manyItems = "a=(" + (0...StructuredFieldParser.Limits.innerListItems).map { "\($0)" }.joined(separator: " ") + ")"
        #expect(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary(manyItems, field: "t") }
        let manyParameters = "a=1" + (0...StructuredFieldParser.Limits.parameters).map { ";p\($0)" }.joined()
        #expect(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary(manyParameters, field: "t") }
        let huge = "a=" + String(repeating: "1", count: StructuredFieldParser.Limits.fieldLength)
        #expect(throws: RequestSignatureError.self) { try StructuredFieldParser.parseDictionary(huge, field: "t") }
    }

    /// Random mutations of real headers: every outcome is a value or a `malformed` error, never
    /// a crash; whatever parses serializes to something that parses to the same value.
    @Test func fuzzedHeadersParseOrThrowNeverCrash() throws {
        var random = SeededRandom(seed: 9421)
        let seeds = [
            Self.flInput,
            "fl=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:",
            "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-512=:AQID:;x=?1",
            #"a=1, b=-42;p, c="q\"uo\\te", d=tok/en:x, e=:AQID:, f=?0, g, h=("x";n=1 y);z=?1"#,
        ]
        let punctuation = Array(#"()=;,:"\? -*/.0123456789aZ@"#.utf8) + [0x00, 0x09, 0x7f, 0xc3, 0xff]
        var parsed = 0
        for round in 0..<600 {
            var bytes = Array(seeds[round % seeds.count].utf8)
            for _ in 0..<Int.random(in: 1...4, using: &random) {
                let position = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0 where !bytes.isEmpty: bytes[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
                case 1: bytes.insert(punctuation[Int.random(in: 0..<punctuation.count, using: &random)], at: position)
                case 2 where !bytes.isEmpty: bytes.remove(at: position)
                default:
                    let end = min(bytes.count, position + Int.random(in: 0...6, using: &random))
                    bytes.insert(contentsOf: bytes[position..<end], at: position)
                }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let dictionary = try StructuredFieldParser.parseDictionary(text, field: "fuzz")
                parsed += 1
                #expect(try StructuredFieldParser.parseDictionary(dictionary.serialized, field: "fuzz") == dictionary, "\(text)")
                // What parses as a header must also go through the layers above without trapping.
                _ = try? SignatureInput.parseAll(text)
                _ = try? ContentDigest.check(text, body: [1, 2, 3])
                _ = try? RequestSignatureVerifier.parse(signatureInput: text, signature: text, method: "POST",
                                                        targetURI: "https://a.example/v1/entries", headers: { _ in "x" })
            } catch {
                #expect(error.code == .malformed, "\(text): \(error)")
            }
        }
        // The mutations are small, so some must still parse, or the test would prove little.
        #expect(parsed > 20)
    }
}
