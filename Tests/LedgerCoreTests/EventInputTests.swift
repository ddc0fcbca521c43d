import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// ``EventInput``, the one reader of unsigned input lines, and the strict reader of signed lines
/// (``SignedEvent/init(canonicalLine:)``): a repeated key, bytes that are not UTF-8, a lone
/// surrogate and deep nesting are refused with the field, the byte and what to do, never with a
/// message about something else.
@Suite("Event input lines (EventInput, SignedEvent lines)")
struct EventInputTests {
    static let origin = "exchange.sh.gov.example/2026"
    static let key = try! PrivateKey.generate(suite: .ed25519SHA256)
    static let at = try! Timestamp(parsing: "2026-11-23T08:00:00Z")

    static func read(_ line: [UInt8]) throws(FormatError) -> Event {
        try EventInput.event(line: line, author: "transport.sh", keyID: key.publicKey.keyID, now: at)
    }

    static func refusal(_ line: [UInt8]) throws -> FormatError {
        try #require(throws: FormatError.self) { try read(line) }
    }

    static func refusal(_ line: String) throws -> FormatError { try refusal(Array(line.utf8)) }

    /// The 1-based byte of the first occurrence of `marker` in `line`, as messages count.
    static func byte(of marker: String, in line: [UInt8]) -> Int {
        InputJSONTests.offset(of: marker, in: line) + 1
    }

    static let quality = #"{"type":"quality.reported","id":"q-1","body":{"dataset":"trips","dimension":"accuracy","severity":"low","note":"#

    @Test func aSpacedLineInAnyKeyOrderIsTheSameEventAsACompactOne() throws {
        let compact = try Self.read(Array((Self.quality + #""n"}}"#).utf8))
        let spaced = try Self.read(Array(#"  { "body" : { "note": "n", "severity": "low", "dimension": "accuracy", "dataset": "trips" }, "id": "q-1", "type": "quality.reported" }  "#.utf8))
        #expect(spaced == compact)
        #expect(compact.author == "transport.sh" && compact.keyID == Self.key.publicKey.keyID && compact.at == Self.at)
        // Escapes decode to the characters they name, and the event is written canonically.
        let escaped = try Self.read(Array((Self.quality + #""caf\u00e9 \ud83d\ude00 \/"}}"#).utf8))
        guard case .qualityReported(let body) = escaped.body else { Issue.record("\(escaped.body)"); return }
        #expect(body.note == "café \u{1F600} /")
    }

    @Test func withoutIdAndAtARandomIdAndTheGivenTimeAreUsed() throws {
        let line = Array(#"{"type":"grant.revoked","body":{"grant":"g-1","reason":"ended"}}"#.utf8)
        let first = try Self.read(line), second = try Self.read(line)
        #expect(first.id.hasPrefix("e-") && first.id.utf8.count == 18 && first.id != second.id)
        #expect(first.at == Self.at)
    }

    @Test func aRepeatedKeyIsRefusedNamingTheKeyAndItsByte() throws {
        let line = Array((Self.quality + #""n","note":"m"}}"#).utf8)
        let error = try Self.refusal(line)
        #expect(error.code == .invalidJSON)
        #expect(error.field == "body.note")
        #expect(error.message == "byte \(Self.byte(of: #""note":"m""#, in: line)): duplicate key \"note\": a key may appear only once in an object; keep one of them")
        let top = try Self.refusal(#"{"type":"grant.revoked","type":"grant.revoked","body":{"grant":"g-1","reason":"r"}}"#)
        #expect(top.field == "type" && top.message.contains("duplicate key \"type\""), "\(top)")
    }

    @Test func invalidUTF8IsRefusedAsInvalidUTF8WithItsByte() throws {
        let line = Array((Self.quality + #""caf"#).utf8) + [0xff] + Array(#""}}"#.utf8)
        let error = try Self.refusal(line)
        #expect(error.code == .invalidJSON && error.field == "body.note", "\(error)")
        #expect(error.message == "byte \(Self.byte(of: "caf", in: line) + 3): invalid UTF-8: byte 0xff cannot start a character; JSON text must be UTF-8 (convert the input to UTF-8)", "\(error)")
        #expect(!error.message.contains("integer"))
    }

    @Test func aLoneSurrogateIsRefusedAsALoneSurrogateWithItsByte() throws {
        let line = Array((Self.quality + #""x \ud800"}}"#).utf8)
        let error = try Self.refusal(line)
        #expect(error.code == .invalidJSON && error.field == "body.note", "\(error)")
        #expect(error.message.hasPrefix("byte \(Self.byte(of: #"\ud800"#, in: line)): \\ud800 is a lone surrogate (a high surrogate not followed by a \\u escape of a low one)"), "\(error)")
        #expect(!error.message.contains("integer"))
    }

    @Test func deepNestingIsRefusedNamingTheLimit() throws {
        let line = Array((Self.quality + String(repeating: "[", count: 100) + String(repeating: "]", count: 100) + "}}").utf8)
        let error = try Self.refusal(line)
        #expect(error.code == .invalidJSON && error.field.hasPrefix("body.note[0]"), "\(error)")
        #expect(error.message.hasPrefix("byte \(Self.byte(of: "[", in: line) + CanonicalJSONParser.maxDepth - 2): objects and arrays are nested more than \(CanonicalJSONParser.maxDepth) levels deep"), "\(error)")
        #expect(!error.message.contains("valid JSON") && !error.message.contains("The given data"))
    }

    @Test func otherMistakesNameTheFieldAndTheRule() throws {
        let cases: [(String, FormatError.Code, String, String)] = [
            (#"[1]"#, .wrongType, "", "each line must be a JSON object"),
            (#"{"type":"grant.revoked","body":{"grant":"g","reason":"r"},"author":"x"}"#, .unexpectedField, "author", "is not an input field"),
            (#"{"type":"grant.revoked","body":{"grant":"g","reason":"r"},"zeta":1,"alpha":2}"#, .unexpectedField, "alpha", "is not an input field"),
            (#"{"type":"grant.revoked","body":{"grant":"g","reason":"r"},"id":"bad id"}"#, .invalidValue, "id", "is not a valid event id"),
            (#"{"type":"exchange.received","body":{"exchange":"x","digest":"00","records":1.5}}"#, .invalidJSON, "body.records", "fractions and exponents are not allowed"),
            ("{\"type\":\"exchange.received\",\"body\":{\"exchange\":\"x\",\"digest\":\"\(String(repeating: "0", count: 64))\",\"records\":\"1\"}}", .wrongType, "body.records", "must be an integer"),
            (#"{"type":"grant.revoked" "body":{}}"#, .invalidJSON, "", "byte 25: expected ',' or '}' in an object, found '\"'"),
        ]
        for (line, code, field, words) in cases {
            let error = try Self.refusal(line)
            #expect(error.code == code && error.field == field && error.message.contains(words), "\(line): \(error)")
        }
    }

    /// Random mutations of valid input lines never trap: each either reads as an event that
    /// survives its own canonical line, or is refused with a ``FormatError`` that names a byte
    /// in the line or a field, in FlowLedger's words. The lines kept in Fixtures/fuzz/input-json
    /// (the ones a new user reported) are read as found first, then mutated with the rest.
    @Test func mutatedInputLinesNeverTrapAndEitherReadOrAreRefusedInOurWords() throws {
        let digest = String(repeating: "ab", count: 32)
        let kept = try FuzzCorpus.load("input-json")
        for line in kept { #expect(throws: FormatError.self) { try Self.read(line) } }  // each was a bad line
        let valid = [
            Self.quality + #""late by 2 h\ncaf\u00e9 \ud83d\ude00 é"}}"#,
            #"{ "type": "dataset.cataloged", "id": "cat", "at": "2026-11-23T09:00:00Z", "body": { "dataset": "trips", "title": "Trips", "sharing": "conditional", "level": "important", "fields": ["end", "start"] } }"#,
            #"{"type":"exchange.sent","body":{"exchange":"x1","dataset":"trips","recipient":"transport.sh","purpose":"p","fields":["a"],"records":3,"bytes":10,"digest":"\#(digest)"}}"#,
        ].map { Array($0.utf8) }
        for seed in valid { _ = try Self.read(seed) }  // each seed is valid
        let seeds = valid + kept
        var random = SeededRandom(seed: 12)
        var read = 0, refused = 0
        for round in 0..<(kept.count + 10_000) {
            var line = seeds[(round + valid.count) % seeds.count]  // the kept lines first, as found
            if round >= kept.count { FuzzCorpus.mutate(&line, using: &random) }
            switch Result(catching: { () throws(FormatError) in try Self.read(line) }) {
            case .success(let event):
                #expect(try Event(json: CanonicalJSONParser.parse(event.canonicalBytes)) == event, "\(Hex.encode(line))")
                read += 1
            case .failure(let error):
                refused += 1
                #expect(!error.message.isEmpty, "\(Hex.encode(line))")
                if error.code == .invalidJSON {
                    let byte = Int(error.message.dropFirst("byte ".count).prefix { $0.isNumber }) ?? 0
                    #expect(error.message.hasPrefix("byte ") && byte >= 1 && byte <= line.count + 1, "\(error)")
                }
                #expect(!error.description.contains("The given data") && !error.description.contains("DecodingError"), "\(error)")
            }
        }
        #expect(read > 100 && refused > 100)  // both outcomes are exercised
    }

    // MARK: - Signed lines: the same scanner, canonical grammar, the same words

    /// A canonical `{"event","sig"}` line for a quality report with `note` (a placeholder that the
    /// tests then replace byte for byte).
    static func signedLine(note: String = "NOTE") throws -> [UInt8] {
        let event = try read(Array((quality + "\"\(note)\"}}").utf8))
        return CanonicalJSON.encode(try SignedEvent(event: event, origin: origin, signer: key).json)
    }

    static func replacing(_ marker: String, with replacement: [UInt8], in line: [UInt8]) -> [UInt8] {
        let start = InputJSONTests.offset(of: marker, in: line)
        return Array(line[..<start]) + replacement + Array(line[(start + marker.utf8.count)...])
    }

    @Test func aSignedLineIsReadByTheStrictParserWithTheFieldAndByteOfEachRefusal() throws {
        let line = try Self.signedLine()
        #expect(try SignedEvent(canonicalLine: line[...]).event.id == "q-1")
        let advice = " (signed lines must be canonical: sorted keys, no spaces; `flowledger sign` writes them)"

        let repeated = Self.replacing(#""note":"NOTE""#, with: Array(#""note":"NOTE","note":"m""#.utf8), in: line)
        let duplicate = try #require(throws: FormatError.self) { try SignedEvent(canonicalLine: repeated[...]) }
        #expect(duplicate.field == "event.body.note" && duplicate.code == .notCanonical, "\(duplicate)")
        #expect(duplicate.message == "not canonical JSON at byte \(Self.byte(of: #""note":"m""#, in: repeated)): duplicate key \"note\": a key may appear only once in an object; keep one of them" + advice)

        let badUTF8 = Self.replacing("NOTE", with: [0x4e, 0xff, 0x54, 0x45], in: line)
        let utf8 = try #require(throws: FormatError.self) { try SignedEvent(canonicalLine: badUTF8[...]) }
        #expect(utf8.field == "event.body.note" && utf8.message.hasPrefix("not canonical JSON at byte \(Self.byte(of: "N", in: badUTF8) + 1): invalid UTF-8: byte 0xff cannot start a character"), "\(utf8)")

        let deep = Self.replacing(#""NOTE""#, with: Array((String(repeating: "[", count: 80) + String(repeating: "]", count: 80)).utf8), in: line)
        let nested = try #require(throws: FormatError.self) { try SignedEvent(canonicalLine: deep[...]) }
        #expect(nested.field.hasPrefix("event.body.note[0]") && nested.message.contains("nested more than \(CanonicalJSONParser.maxDepth) levels deep"), "\(nested)")
    }
}
