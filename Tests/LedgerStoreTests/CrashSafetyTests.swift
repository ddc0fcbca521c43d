import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

/// Durability with real processes and real kills (DESIGN §9): a `flowledger append` child is
/// killed with SIGKILL at random moments, again and again — while it appends and while it writes
/// its state snapshot (every 40 entries here); after every kill each receipt it had printed is
/// in the log with the same leaf hash, the ledger reopens from a snapshot, and the whole log
/// replays with every rule and signature checked.
@Suite("Crash safety with real processes (CrashSafety)")
struct CrashSafetyTests {
    @Test
    func appenderKilledAtRandomMomentsKeepsEveryAcknowledgedReceipt() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let setUp = try await scenario.create()
        setUp.close()
        let work = scenario.workDirectory
        let count = 3000
        let input = try scenario.writeSignedExchanges(count: count)
        let arguments = [flowledgerPath, "append", scenario.directory, "--signed", input, "--batch-lines", "25", "--segment-bytes", "100000",
                         "--snapshot-entries", "40"]

        var acknowledged: [Int64: String] = [:]
        var random = SeededRandom(seed: 0xF10E)
        var killedMidway = 0
        var resumed = 0
        for round in 0..<10 {
            let child = try ChildProcess(arguments, directory: work)
            if round % 3 == 0 {
                // Early: while the child starts, opens and recovers the ledger.
                usleep(UInt32.random(in: 0...60_000, using: &random))
            } else {
                // Mid-stream: once receipts are flowing, at a random moment in the next batches.
                // Waiting for the first receipt keeps this independent of the machine's speed.
                let deadline = Date().addingTimeInterval(30)
                while (try? FileManager.default.attributesOfItem(atPath: child.stdoutPath)[.size] as? Int) ?? 0 == 0, Date() < deadline {
                    usleep(2_000)
                }
                usleep(UInt32.random(in: 0...150_000, using: &random))
            }
            child.kill()
            let status = child.wait()
            let printed = try receipts(child.stdout())
            if status == 128 + SIGKILL && !printed.isEmpty { killedMidway += 1 }
            for receipt in printed {
                if let earlier = acknowledged[receipt.seq] { #expect(earlier == receipt.hash, "round \(round)") }
                acknowledged[receipt.seq] = receipt.hash
            }
            // Reopening recovers, and every acknowledged receipt is there, unchanged.
            let writer = try LedgerWriter.open(directory: scenario.directory)
            if writer.recovery.resumedAt != nil { resumed += 1 }
            #expect(writer.recovery.notes.allSatisfy { !$0.contains("ignored") }, "round \(round): \(writer.recovery.notes)")
            let reader = try writer.reader()
            for (seq, hash) in acknowledged {
                #expect(try reader.leafHash(at: seq).hex == hash, "round \(round) (exit \(status)): receipt of seq \(seq) lost or changed")
            }
            writer.close()
        }

        // The kills must have landed while appends were going on, or this proves nothing.
        #expect(killedMidway >= 3)
        // Snapshots (every 40 entries, so kills land during some of them) were resumed from.
        #expect(resumed >= 5)

        // Run to the end: every line gets a receipt (the original one for lines already in).
        let final = try ChildProcess(arguments, directory: work)
        let finalStatus = final.wait()
        let finalErrors = try final.stderr()
        #expect(finalStatus == 0, "\(finalErrors)")
        let finalReceipts = try receipts(final.stdout())
        #expect(finalReceipts.count == count)
        for receipt in finalReceipts where acknowledged[receipt.seq] != nil {
            #expect(acknowledged[receipt.seq] == receipt.hash)
        }
        #expect(Set(finalReceipts.map(\.seq)) == Set(6..<Int64(6 + count)))
        let segments = try FileManager.default.contentsOfDirectory(atPath: LedgerLayout(directory: scenario.directory).log)
        #expect(segments.count > 2)
        try replayWithEveryCheck(scenario.directory)
    }

    private func receipts(_ stdout: Data) throws -> [(seq: Int64, hash: String)] {
        let text = String(decoding: stdout, as: UTF8.self)
        let complete = text.hasSuffix("\n") ? text : String(text[..<(text.lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex)])
        return try complete.split(separator: "\n").map { line in
            let value = try CanonicalJSONParser.parse(Array(line.utf8))
            return (value["seq"]!.integerValue!, value["hash"]!.stringValue!)
        }
    }
}

/// Replays a ledger directory from its segment files alone: strict parse, seq, chain, time, ids,
/// references, authority and every signature. Fails the test at the first problem.
func replayWithEveryCheck(_ directory: String) throws {
    let reader = try LedgerReader(directory: directory)
    var state = LedgerState(origin: reader.manifest.origin)
    for seq in 0..<reader.size {
        let line = try reader.line(at: seq)
        let entry = try Entry(line: line)
        let key = try #require(state.verificationKey(for: entry.event) ?? {
            if case .genesis(let body) = entry.event.body { return body.operator.key }
            return nil
        }())
        try state.replay(entry, leafHash: Entry.leafHash(line: line, hash: reader.hash),
                         signature: SignatureCheck(entry.signed.verify(with: key, origin: reader.manifest.origin)))
    }
}
