import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// The writer assembles entry lines around the event's canonical bytes; the result must be
/// byte-identical to encoding the whole entry, or leaf hashes would differ from the verifier's.
@Suite("Entry lines assembled from canonical event bytes (EntryLine)")
struct EntryLineTests {
    @Test(arguments: Suite.allCases)
    func assembledLineEqualsTheCanonicalEncoding(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let notes = ["plain", "quote \" backslash \\ tab \t newline \n", "unicode 数据 ✓", String(repeating: "x", count: 4000)]
        for (n, note) in notes.enumerated() {
            let event = try Event(id: "q-\(n)", author: "transport.sh", keyID: key.publicKey.keyID, at: Timestamp(parsing: "2026-11-23T08:00:00.5Z"),
                                  body: .qualityReported(QualityReportedBody(dataset: "trips", exchange: n % 2 == 0 ? nil : "x-1", dimension: .accuracy, severity: .high, note: note)))
            let signed = try SignedEvent(event: event, origin: "o.example/1", signer: key)
            for seq: Int64 in [1, 9, 10, 123_456_789, JSONValue.maxSafeInteger] {
                let entry = try Entry(seq: seq, time: Timestamp(microsecondsSinceEpoch: 1_795_420_800_000_001 + seq % 1000), prev: suite.hash.hash(Array("p".utf8)), signed: signed)
                let assembled = Entry.line(seq: seq, time: entry.time, prev: entry.prev, canonicalEvent: event.canonicalBytes, signature: signed.signature)
                #expect(assembled == entry.line)
                let parsed = try Entry(line: assembled)
                #expect(parsed == entry)
                #expect(parsed.signed.canonicalEvent == event.canonicalBytes)
            }
        }
    }
}

/// Entry lines read field by field from the parser's tape (digests, signatures and times decoded
/// in place): mutated lines never trap, and a line that is accepted is exactly its entry's bytes —
/// both as written back (``Entry/line``) and as rebuilt from its typed values the way the writer
/// does (the time from its microseconds, the event from its typed fields), so a rule the reader
/// forgot (six fraction digits in `time`, a canonical event) shows as a difference.
@Suite("Fuzzed entry lines (EntryLineFuzz)")
struct EntryLineFuzzTests {
    @Test func fuzzedEntryLinesNeverTrapAndAcceptedOnesAreTheirEntrysBytes() throws {
        var corpus: [[UInt8]] = []
        for ledger in ["intact", "policy"] {
            let log = Fixtures.url("ledgers/\(ledger)/log")
            for file in try FileManager.default.contentsOfDirectory(atPath: log.path).sorted() {
                let text = try Data(contentsOf: log.appendingPathComponent(file))
                corpus += text.split(separator: UInt8(ascii: "\n")).map { Array($0) }
            }
        }
        #expect(corpus.count > 40)
        /// The line the writer would write for `entry`'s values.
        func rebuilt(_ entry: Entry) -> [UInt8] {
            Entry.line(seq: entry.seq, time: Timestamp(microsecondsSinceEpoch: entry.time.microsecondsSinceEpoch), prev: entry.prev,
                       canonicalEvent: entry.event.canonicalBytes, signature: entry.signed.signature)
        }
        for line in corpus {
            let entry = try Entry(line: line)
            #expect(entry.line == line)
            #expect(rebuilt(entry) == line)
        }
        var random = SeededRandom(seed: 5_162)
        var accepted = 0
        for round in 0..<20_000 {
            var input = corpus[round % corpus.count]
            FuzzCorpus.mutate(&input, using: &random)
            guard let entry = try? Entry(line: input) else { continue }
            accepted += 1
            #expect(entry.line == input, "accepted a line that is not its entry's bytes: \(String(decoding: input, as: UTF8.self))")
            #expect(rebuilt(entry) == input, "accepted a line the writer would write otherwise: \(String(decoding: input, as: UTF8.self))")
        }
        #expect(accepted < 20_000)
    }
}

@Suite("Signed events read from canonical lines (SignedEventLine)")
struct SignedEventLineTests {
    @Test(arguments: Suite.allCases)
    func canonicalBytesComeFromTheLineAndEqualTheEncoding(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let event = try Event(id: "x-1", author: "ride.example", keyID: key.publicKey.keyID, at: Timestamp(parsing: "2026-11-23T08:00:00Z"),
                              body: .qualityReported(QualityReportedBody(dataset: "trips", exchange: nil, dimension: .timeliness, severity: .low, note: "late \"again\" 迟到")))
        let signed = try SignedEvent(event: event, origin: "o.example/1", signer: key)
        let line = CanonicalJSON.encode(signed.json)
        let read = try SignedEvent(canonicalLine: line[...])
        #expect(read == signed)
        #expect(read.canonicalEvent == event.canonicalBytes)
        #expect(read.verify(with: key.publicKey, origin: "o.example/1"))
        #expect(!read.verify(with: key.publicKey, origin: "other.example/1"))

        var spaced = line
        spaced.insert(0x20, at: 9)
        let error = try #require(throws: FormatError.self) { try SignedEvent(canonicalLine: spaced[...]) }
        #expect(error.code == .notCanonical)
        let extra = Array(#"{"event":"#.utf8) + event.canonicalBytes + Array(#","extra":1,"sig":"AA=="}"#.utf8)
        #expect(throws: FormatError.self) { try SignedEvent(canonicalLine: extra[...]) }
    }
}
