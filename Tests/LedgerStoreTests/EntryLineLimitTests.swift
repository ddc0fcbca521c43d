import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// DESIGN §4: an entry line is at most 65,535 bytes without its newline (tlog-tiles entry bundles
/// carry each length as a uint16). The writer refuses one byte more, naming the limit, and writes
/// nothing; exactly the limit is appended and verifies; a longer line on disk is a break.
@Suite("Entry lines are at most 65,535 bytes (EntryLineLimit)")
final class EntryLineLimitTests {
    private let work: String
    private let origin = "exchange.limit.example/2026"

    init() throws { work = try temporaryDirectory().path }
    deinit { try? FileManager.default.removeItem(atPath: work) }

    private func flowledger(_ arguments: String..., stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let result = try run([flowledgerPath] + arguments, stdin: stdin.map { Data($0.utf8) })
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }

    private func keygen(_ name: String) throws -> (path: String, key: PrivateKey) {
        let path = work + "/\(name).pem"
        let result = try flowledger("keygen", "--out", path)
        #expect(result.status == 0, "\(result.err)")
        return (path, try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8)))
    }

    /// A ledger of two entries: genesis and ride.example registered as a provider.
    private func makeLedger() throws -> (directory: String, ride: String, rideKey: PrivateKey) {
        let op = try keygen("operator")
        let ride = try keygen("ride")
        let directory = work + "/ledger"
        let created = try flowledger("init", directory, "--origin", origin, "--operator-key", op.path, "--operator-id", "ops.exchange")
        #expect(created.status == 0, "\(created.err)")
        let registration = #"{"type":"party.registered","id":"reg-ride","at":"2026-11-23T08:00:00Z","body":{"party":"ride.example","name":"Ride","kind":"enterprise","roles":["provider"],"key":"\#(ride.key.publicKey.string)"}}"#
        let appended = try flowledger("append", directory, "--key", op.path, "--author", "ops.exchange", stdin: registration + "\n")
        #expect(appended.status == 0, "\(appended.err)")
        return (directory, ride.path, ride.key)
    }

    /// The input line of a `dataset.cataloged` event by ride.example whose entry line, at `seq`,
    /// is exactly `length` bytes: its field list is padded (free text stops at 4,096 bytes; a
    /// list holds up to 1,024 names of up to 256 bytes).
    private func catalogLine(dataset: String, entryLength length: Int, seq: Int64, key: PrivateKey) throws -> String {
        func input(_ fields: [String]) -> String {
            #"{"type":"dataset.cataloged","id":"\#(dataset)","at":"2026-11-23T09:00:00Z","body":{"dataset":"\#(dataset)","title":"Big","sharing":"open","level":"general","fields":[\#(fields.map { "\"\($0)\"" }.joined(separator: ","))]}}"#
        }
        func entryLength(_ fields: [String]) throws -> Int {
            let event = try EventInput.event(line: Array(input(fields).utf8), author: "ride.example", keyID: key.publicKey.keyID)
            // Every Ed25519 signature is 64 bytes and every ledger time 27 characters.
            return Entry.line(seq: seq, time: Timestamp(microsecondsSinceEpoch: 0), prev: .zero,
                              canonicalEvent: event.canonicalBytes, signature: [UInt8](repeating: 0, count: 64)).count
        }
        func name(_ index: Int, _ count: Int) -> String {
            let prefix = "f" + String(repeating: "0", count: 4 - String(index).count) + String(index)
            return prefix + String(repeating: "x", count: count - prefix.count)
        }
        var fields: [String] = []
        while try entryLength(fields + [name(fields.count, 240)]) <= length { fields.append(name(fields.count, 240)) }
        let gap = length - (try entryLength(fields))
        if gap >= 3 + 5 {
            fields.append(name(fields.count, gap - 3))  // a name of n bytes adds n + 3: quotes and comma
        } else {
            fields[fields.count - 1] = name(fields.count - 1, 240 + gap)
        }
        #expect(try entryLength(fields) == length)
        return input(fields)
    }

    @Test
    func anEventWhoseLineWouldBe65536BytesIsRefusedNamingTheLimitAnd65535IsAccepted() throws {
        let ledger = try makeLedger()
        let segment = ledger.directory + "/log/00000000000000000000.jsonl"
        let before = try Data(contentsOf: URL(fileURLWithPath: segment))

        let tooLong = try catalogLine(dataset: "big-a", entryLength: 65_536, seq: 2, key: ledger.rideKey)
        let refused = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: tooLong + "\n")
        #expect(refused.status == 1)
        #expect(refused.out == "")
        #expect(refused.err == "flowledger: error: stdin line 1: rule 1 (malformedLine) at seq 2, event \"big-a\" by ride.example: the entry line would be 65536 bytes, over the 65535-byte limit; shorten the event's text or field lists; this line and the ones after it were not appended\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == before)
        #expect(try LedgerReader(directory: ledger.directory).size == 2)

        let longest = try catalogLine(dataset: "big-b", entryLength: 65_535, seq: 2, key: ledger.rideKey)
        let accepted = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: longest + "\n")
        #expect(accepted.status == 0, "\(accepted.err)")
        #expect(accepted.out.hasSuffix("\"seq\":2}\n"))
        let reader = try LedgerReader(directory: ledger.directory)
        #expect(try reader.line(at: 2).count == 65_535)
        #expect(try reader.entry(at: 2).event.id == "big-b")
        let verified = try flowledger("verify", ledger.directory)
        #expect(verified.status == 0, "\(verified.out)")
    }

    @Test
    func theWriterRefusesToOpenALedgerWithALongerLineNamingItsFileAndLine() throws {
        let ledger = try makeLedger()
        let segment = ledger.directory + "/log/00000000000000000000.jsonl"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data((#"{"event":""# + String(repeating: "x", count: 65_536 - 12) + "\"}\n").utf8))
        try handle.close()
        let damaged = Array(try Data(contentsOf: URL(fileURLWithPath: segment)))
        let result = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: "")
        #expect(result.status != 0)
        #expect(result.err.contains("00000000000000000000.jsonl line 3") && result.err.contains("the line is 65536 bytes, longer than the 65535-byte limit of an entry line (DESIGN §4)"), "\(result.err)")
        // Reported, never repaired: the line is still there.
        #expect(Array(try Data(contentsOf: URL(fileURLWithPath: segment))) == damaged)
    }
}
