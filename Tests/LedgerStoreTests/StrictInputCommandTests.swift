import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The input lines of `flowledger append` (`--key` and `--signed`) and `flowledger sign` as a new
/// user writes them: a repeated key, bytes that are not UTF-8, a lone surrogate and deep nesting
/// are refused naming the line, the field, the byte and the rule, exit 1, and nothing is written.
/// Real processes, real files; the error text is pinned.
@Suite("flowledger input lines are read strictly (StrictInputCommand)")
final class StrictInputCommandTests {
    private let work: String
    private let origin = "exchange.input.example/2026"

    init() throws { work = try temporaryDirectory().path }
    deinit { try? FileManager.default.removeItem(atPath: work) }

    private func flowledger(_ arguments: String..., stdin: [UInt8]) throws -> (status: Int32, out: String, err: String) {
        let result = try run([flowledgerPath] + arguments, stdin: Data(stdin))
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }

    private func keygen(_ name: String) throws -> (path: String, key: PrivateKey) {
        let path = work + "/\(name).pem"
        let result = try flowledger("keygen", "--out", path, stdin: [])
        #expect(result.status == 0, "\(result.err)")
        return (path, try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8)))
    }

    /// A ledger with a provider (ride.example, whose key is returned) registered.
    private func makeLedger() throws -> (directory: String, ride: String) {
        let op = try keygen("operator")
        let ride = try keygen("ride")
        let directory = work + "/ledger"
        let created = try flowledger("init", directory, "--origin", origin, "--operator-key", op.path, "--operator-id", "ops.exchange", stdin: [])
        #expect(created.status == 0, "\(created.err)")
        let registration = #"{"type":"party.registered","id":"reg-ride","at":"2026-11-23T08:00:00Z","body":{"party":"ride.example","name":"Ride","kind":"enterprise","roles":["provider"],"key":"\#(ride.key.publicKey.string)"}}"#
        let appended = try flowledger("append", directory, "--key", op.path, "--author", "ops.exchange", stdin: Array((registration + "\n").utf8))
        #expect(appended.status == 0, "\(appended.err)")
        return (directory, ride.path)
    }

    /// The 1-based byte of the first `marker` in `line`.
    private func byte(of marker: String, in line: [UInt8]) -> Int {
        let needle = Array(marker.utf8)
        return (0...(line.count - needle.count)).first { line[$0..<$0 + needle.count].elementsEqual(needle) }! + 1
    }

    private static let quality = #"{"type": "quality.reported", "id": "q-1", "body": {"dataset": "trips", "dimension": "accuracy", "severity": "low", "note": "#
    private static let notAppended = "; this line and the ones after it were not appended\n"

    /// Appends `line` with --key as ride.example and expects a refusal whose message is `expected`
    /// (after "stdin line 1: "), exit 1, the ledger unchanged.
    private func expectRefused(_ line: [UInt8], _ expected: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let ledger = try makeLedger()
        let before = try directoryContents(ledger.directory)
        let result = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: line + [0x0a])
        #expect(result.status == 1, "\(result.err)", sourceLocation: sourceLocation)
        #expect(result.out == "", sourceLocation: sourceLocation)
        #expect(result.err == "flowledger: error: stdin line 1: " + expected + Self.notAppended, sourceLocation: sourceLocation)
        #expect(try directoryContents(ledger.directory) == before, sourceLocation: sourceLocation)
        #expect(try LedgerReader(directory: ledger.directory).size == 2, sourceLocation: sourceLocation)
        try FileManager.default.removeItem(atPath: ledger.directory)
    }

    @Test
    func appendRefusesARepeatedKeyNamingTheKeyAndItsByte() throws {
        let line = Array((Self.quality + #""n", "note": "m"}}"#).utf8)
        try expectRefused(line, "body.note: byte \(byte(of: #""note": "m""#, in: line)): duplicate key \"note\": a key may appear only once in an object; keep one of them")
    }

    @Test
    func appendRefusesInvalidUTF8NamingItAndItsByte() throws {
        let line = Array((Self.quality + #""caf"#).utf8) + [0xe9, 0x20] + Array(#""}}"#.utf8)  // Latin-1 é
        try expectRefused(line, "body.note: byte \(byte(of: "caf", in: line) + 3): invalid UTF-8: byte 0xe9 starts a 3-byte character, but byte 0x20 after it is not a continuation byte (0x80–0xbf); JSON text must be UTF-8 (convert the input to UTF-8)")
    }

    @Test
    func appendRefusesALoneSurrogateNamingItAndItsByte() throws {
        let line = Array((Self.quality + #""x \ud800"}}"#).utf8)
        try expectRefused(line, #"body.note: byte \#(byte(of: #"\ud800"#, in: line)): \ud800 is a lone surrogate (a high surrogate not followed by a \u escape of a low one): it is not a character and has no UTF-8 form; write the character itself in UTF-8, or as a pair \uD8xx\uDCxx"#)
    }

    @Test
    func appendRefusesDeepNestingNamingTheLimit() throws {
        let line = Array((Self.quality + String(repeating: "[", count: 1000) + String(repeating: "]", count: 1000) + "}}").utf8)
        let path = "body.note" + String(repeating: "[0]", count: 8) + "…"  // cut after 10 members
        try expectRefused(line, "\(path): byte \(byte(of: "[", in: line) + CanonicalJSONParser.maxDepth - 2): objects and arrays are nested more than \(CanonicalJSONParser.maxDepth) levels deep here; no FlowLedger event or entry nests more than a few, so this is not one: check what produced the line")
    }

    @Test
    func signRefusesTheSameLinesWithTheSameWords() throws {
        let ride = try keygen("ride")
        let line = Array((Self.quality + #""n", "note": "m"}}"#).utf8)
        let result = try flowledger("sign", "--key", ride.path, "--author", "ride.example", "--origin", origin, stdin: line + [0x0a])
        #expect(result.status == 1)
        #expect(result.out == "")
        #expect(result.err == "flowledger: error: stdin line 1: body.note: byte \(byte(of: #""note": "m""#, in: line)): duplicate key \"note\": a key may appear only once in an object; keep one of them\n")
    }

    @Test
    func appendSignedRefusesRepeatedKeysBadUTF8AndDeepNestingNamingTheField() throws {
        let ledger = try makeLedger()
        let event = #"{"type":"dataset.cataloged","id":"cat","body":{"dataset":"trips","title":"TITLE","sharing":"open","level":"general","fields":["a"]}}"#
        let signed = try flowledger("sign", "--key", ledger.ride, "--author", "ride.example", "--origin", origin, stdin: Array((event + "\n").utf8))
        #expect(signed.status == 0, "\(signed.err)")
        let line = Array(signed.out.utf8.dropLast())
        func replacing(_ marker: String, with replacement: String) -> [UInt8] {
            let start = byte(of: marker, in: line) - 1
            return Array(line[..<start]) + Array(replacement.utf8) + Array(line[(start + marker.utf8.count)...])
        }
        let before = try directoryContents(ledger.directory)
        let advice = " (signed lines must be canonical: sorted keys, no spaces; `flowledger sign` writes them)"
        let repeated = replacing(#""title":"TITLE""#, with: #""title":"TITLE","title":"m""#)
        var badUTF8 = line
        badUTF8[byte(of: "TITLE", in: line)] = 0xff  // the I: 1-based byte + 1, 0-based
        let deep = replacing(#""TITLE""#, with: String(repeating: "[", count: 100) + String(repeating: "]", count: 100))
        let depth = CanonicalJSONParser.maxDepth - 3  // arrays inside the line, the event and its body
        let cases: [([UInt8], String)] = [
            (repeated, "event.body.title: not canonical JSON at byte \(byte(of: #""title":"m""#, in: repeated)): duplicate key \"title\": a key may appear only once in an object; keep one of them"),
            (badUTF8, "event.body.title: not canonical JSON at byte \(byte(of: "TITLE", in: line) + 1): invalid UTF-8: byte 0xff cannot start a character; JSON text must be UTF-8 (convert the input to UTF-8)"),
            (deep, "event.body.title" + String(repeating: "[0]", count: 7) + "…: not canonical JSON at byte \(byte(of: "[[", in: deep) + depth): objects and arrays are nested more than \(CanonicalJSONParser.maxDepth) levels deep here; no FlowLedger event or entry nests more than a few, so this is not one: check what produced the line"),
        ]
        for (input, expected) in cases {
            let result = try flowledger("append", ledger.directory, "--signed", stdin: input + [0x0a])
            #expect(result.status == 1, "\(result.err)")
            #expect(result.err == "flowledger: error: stdin line 1: " + expected + advice + Self.notAppended)
        }
        #expect(try directoryContents(ledger.directory) == before)
        // The line as signed is appended: the refusals were the edits.
        let appended = try flowledger("append", ledger.directory, "--signed", stdin: line + [0x0a])
        #expect(appended.status == 0 && appended.out.hasSuffix("\"seq\":2}\n"), "\(appended.err)")
    }
}
