import FlowLedger
import Foundation
import LedgerStore
import LedgerTestSupport
import Testing

/// Opening a ledger as its writer after a crash or damage (DESIGN §9): a torn last line is cut,
/// derived files are rebuilt or extended, and anything else is refused with a report.
@Suite("Recovery on open (Recovery)")
struct RecoveryTests {
    private func segmentPath(_ scenario: Scenario, _ firstSeq: Int64 = 0) -> String {
        LedgerLayout(directory: scenario.directory).segment(firstSeq: firstSeq)
    }

    private func appendBytes(_ bytes: [UInt8], to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
    }

    @Test
    func tornLastLineIsCutAndTheLedgerGoesOn() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        _ = try await ledger.append(scenario.exchange(1))
        ledger.close()
        let intact = try Data(contentsOf: URL(fileURLWithPath: segmentPath(scenario)))
        // Half of a real next line, as a crash in the middle of a write leaves it.
        let next = try Entry(seq: 7, time: Timestamp(microsecondsSinceEpoch: 1_900_000_000_000_000), prev: .zero, signed: scenario.exchange(2)).line
        try appendBytes(Array(next.prefix(next.count / 2)), to: segmentPath(scenario))

        let reader = try LedgerReader(directory: scenario.directory)
        #expect(reader.size == 7)  // readers never see the partial line

        let reopened = try Ledger.open(at: scenario.directory)
        defer { reopened.close() }
        #expect(reopened.writer.recovery.tornBytes == Int64(next.count / 2))
        #expect(reopened.writer.recovery.tornSegment == "log/00000000000000000000.jsonl")
        #expect(try Data(contentsOf: URL(fileURLWithPath: segmentPath(scenario))) == intact)
        #expect(try await reopened.append(scenario.exchange(2)).seq == 7)
    }

    @Test
    func damagedMiddleIsRefusedWithAReportAndLeftUntouched() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        for n in 0..<5 { _ = try await ledger.append(scenario.exchange(n)) }
        ledger.close()
        // Change one record count inside entry 8 (line 9), keeping the line canonical.
        var text = try String(contentsOfFile: segmentPath(scenario), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"records\":2}", with: "\"records\":7}")
        try text.write(toFile: segmentPath(scenario), atomically: false, encoding: .utf8)
        // Opening resumes from the writer's state snapshot and reads only what follows it; the
        // middle of the log is `verify`'s to judge. Without the snapshot every line is replayed.
        try FileManager.default.removeItem(atPath: LedgerLayout(directory: scenario.directory).writerState)
        let before = try scenario.snapshot(withoutWriterState: true)

        let error = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory) }
        #expect(error.code == .damaged)
        #expect(error.message.contains("log/00000000000000000000.jsonl line 10 (seq 9)"), "\(error.message)")
        #expect(error.message.contains("brokenChain"), "\(error.message)")
        #expect(error.message.contains("refuses to append"))
        #expect(try scenario.snapshot(withoutWriterState: true) == before)
    }

    @Test
    func unterminatedLineInsideAnEarlierSegmentIsDamageNotATornWrite() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        var options = WriterOptions()
        options.segmentLimit = 2048
        let ledger = try await scenario.create(options: options)
        for n in 0..<10 { _ = try await ledger.append(scenario.exchange(n)) }
        ledger.close()
        try appendBytes(Array("{\"event\":".utf8), to: segmentPath(scenario))
        try FileManager.default.removeItem(atPath: LedgerLayout(directory: scenario.directory).writerState)  // as above
        let error = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory, options: options) }
        #expect(error.code == .damaged)
        #expect(error.message.contains("not the last segment"), "\(error.message)")
    }

    @Test
    func derivedFilesAreRebuiltWhenMissingAndExtendedWhenBehind() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        for n in 0..<40 { _ = try await ledger.append(scenario.exchange(n)) }
        try ledger.checkpoint(operatorKey: scenario.operatorKey)
        ledger.close()
        let layout = LedgerLayout(directory: scenario.directory)
        let offsets = try Data(contentsOf: URL(fileURLWithPath: layout.offsets))
        let hashes = try Data(contentsOf: URL(fileURLWithPath: layout.hashes))

        try FileManager.default.removeItem(atPath: layout.index)
        let rebuilt = try Ledger.open(at: scenario.directory)
        #expect(rebuilt.writer.recovery.indexedEntries == 46 && rebuilt.writer.recovery.hashedEntries == 46)
        rebuilt.close()
        #expect(try Data(contentsOf: URL(fileURLWithPath: layout.offsets)) == offsets)
        #expect(try Data(contentsOf: URL(fileURLWithPath: layout.hashes)) == hashes)

        try FileHandle(forWritingTo: URL(fileURLWithPath: layout.offsets)).truncate(atOffset: 16 * 30 + 5)
        try FileHandle(forWritingTo: URL(fileURLWithPath: layout.hashes)).truncate(atOffset: 32 * 20 + 7)
        let extended = try Ledger.open(at: scenario.directory)
        #expect(extended.writer.recovery.indexedEntries == 16)
        #expect(extended.writer.recovery.hashedEntries > 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: layout.offsets)) == offsets)
        #expect(try Data(contentsOf: URL(fileURLWithPath: layout.hashes)) == hashes)
        // Proofs from the repaired files verify.
        let proof = try extended.inclusionProof(seq: 33)
        #expect(try proof.verify(verifiers: [extended.verifierKey()], hash: .sha256).size == 46)
        extended.close()
    }

    @Test
    func rechainedHistoryIsCaughtByTheIndexAndByThePublishedCheckpoint() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        for n in 0..<10 { _ = try await ledger.append(scenario.exchange(n)) }
        try ledger.checkpoint(operatorKey: scenario.operatorKey)
        ledger.close()

        // An attacker with the platform's key re-signs entry 8 with other content and re-chains
        // everything after it, so seq, prev and signatures all hold.
        let reader = try LedgerReader(directory: scenario.directory)
        var lines = try reader.lines(in: 0..<16)
        var prev = Entry.leafHash(line: lines[7], hash: .sha256)
        for seq in 8..<16 {
            let old = try Entry(line: lines[seq])
            var signed = old.signed
            if seq == 8, case .exchangeSent(let body) = old.event.body {
                let forged = ExchangeSentBody(exchange: body.exchange, dataset: body.dataset, recipient: body.recipient, grant: body.grant, purpose: body.purpose,
                                              fields: body.fields, records: 999, bytes: body.bytes, digest: body.digest)
                signed = try scenario.platform.sign(.exchangeSent(forged), id: old.event.id, at: old.event.at)
            }
            lines[seq] = try Entry(seq: old.seq, time: old.time, prev: prev, signed: signed).line
            prev = Entry.leafHash(line: lines[seq], hash: .sha256)
        }
        let rewritten = lines.map { $0 + [0x0a] }.joined()
        try Data(rewritten).write(to: URL(fileURLWithPath: segmentPath(scenario)))

        let byIndex = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory) }
        #expect(byIndex.code == .damaged)
        #expect(byIndex.message.contains("disagrees with the log"), "\(byIndex.message)")

        // Deleting the derived files does not help: the signed checkpoint no longer matches.
        try FileManager.default.removeItem(atPath: LedgerLayout(directory: scenario.directory).index)
        let byCheckpoint = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory) }
        #expect(byCheckpoint.code == .damaged)
        #expect(byCheckpoint.message.contains("History was rewritten"), "\(byCheckpoint.message)")
    }

    /// `checkpoints/latest` put back to an older checkpoint (or left dangling) after the last
    /// entries were removed: the writer still refuses, from the largest `<size>.checkpoint`. It
    /// once checked `latest` alone, appended over entries a signed checkpoint covers, and the
    /// next `checkpoint` signed a second history.
    @Test
    func aRolledBackLatestCheckpointDoesNotLetTheWriterAppendOverSignedEntries() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        let (older, _) = try ledger.checkpoint(operatorKey: scenario.operatorKey)
        for n in 0..<4 { _ = try await ledger.append(scenario.exchange(n)) }
        let (newer, _) = try ledger.checkpoint(operatorKey: scenario.operatorKey)
        ledger.close()
        let layout = LedgerLayout(directory: scenario.directory)
        // The last entry removed by hand, the derived files with it.
        var lines = try Data(contentsOf: URL(fileURLWithPath: segmentPath(scenario))).split(separator: 0x0a)
        lines.removeLast()
        try Data(lines.map { Array($0) + [0x0a] }.joined()).write(to: URL(fileURLWithPath: segmentPath(scenario)))
        try FileManager.default.removeItem(atPath: layout.index)

        for rollBack in ["older", "dangling"] {
            try FileManager.default.removeItem(atPath: layout.latestCheckpoint)
            if rollBack == "older" {
                try FileManager.default.copyItem(atPath: layout.checkpoint(size: older.size), toPath: layout.latestCheckpoint)
            } else {
                try FileManager.default.createSymbolicLink(atPath: layout.latestCheckpoint, withDestinationPath: "/nonexistent")
            }
            let refused = try #require(throws: StoreError.self, "\(rollBack) latest") { try Ledger.open(at: scenario.directory) }
            #expect(refused.code == .damaged)
            #expect(refused.message.contains("\(newer.size).checkpoint covers \(newer.size) entries but the log has only \(newer.size - 1)"), "\(refused.message)")
        }
    }

    @Test
    func aForgedEntryWrittenPastTheIndexIsRefused() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        _ = try await ledger.append(scenario.exchange(1))
        let last = try ledger.entries(6..<7)[0]
        ledger.close()
        // A complete, chained line whose signature is not the author's.
        let good = try scenario.exchange(2)
        var signature = good.signature
        signature[0] ^= 0x80
        let forged = try Entry(seq: 7, time: last.time, prev: Entry.leafHash(line: last.line, hash: .sha256),
                               signed: SignedEvent(event: good.event, signature: signature))
        try appendBytes(forged.line + [0x0a], to: segmentPath(scenario))
        let error = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory) }
        #expect(error.code == .damaged)
        #expect(error.message.contains("entry 7 has a signature that does not verify"), "\(error.message)")
    }

    @Test
    func secondWriterIsRefusedWhileReadersWork() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let error = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory) }
        #expect(error.code == .locked)
        #expect(error.message.contains("one writer at a time"))
        #expect(try LedgerReader(directory: scenario.directory).size == 6)
    }

    @Test
    func openingSomethingThatIsNotALedgerSaysWhatToDo() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let error = try #require(throws: StoreError.self) { try Ledger.open(at: directory.path) }
        #expect(error.code == .notALedger)
        #expect(error.message.contains("flowledger init"))
    }
}
