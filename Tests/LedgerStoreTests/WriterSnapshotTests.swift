import FlowLedger
import Foundation
@testable import LedgerStore
import LedgerTestSupport
import Testing

/// The writer's state snapshot (`index/state.sqlite`): opening resumes from it and replays only
/// the entries after it, the rules still see every (author, id) and exchange of history through
/// its on-disk rows, and a snapshot that does not belong to the log as it is is ignored with a
/// note and rebuilt — never trusted.
@Suite("Writer state snapshot (WriterSnapshot)")
struct WriterSnapshotTests {
    private func stateFile(_ scenario: Scenario) -> String { LedgerLayout(directory: scenario.directory).writerState }

    /// A ledger of 11 entries: the scene and exchanges x-0…x-4, closed (so its snapshot is current).
    private func elevenEntries(_ scenario: Scenario) async throws {
        try await ledger(scenario, options: WriterOptions(), exchanges: 5).close()
    }

    /// Options that write the history after every second entry, each write a run of its own.
    private var historyEverySecondEntry: WriterOptions {
        var options = WriterOptions()
        options.snapshotEvery = 2
        return options
    }

    /// A new ledger written with `options`, holding the scene and exchanges x-0…x-(count - 1).
    private func ledger(_ scenario: Scenario, options: WriterOptions, exchanges count: Int) async throws -> Ledger {
        let ledger = try await scenario.create(options: options)
        for n in 0..<count { _ = try await ledger.append(scenario.exchange(n)) }
        return ledger
    }

    /// Exchange `id` acknowledged by the transport commission.
    private func acknowledgement(_ scenario: Scenario, _ id: String, eventID: String) throws -> SignedEvent {
        try scenario.transport.sign(.exchangeReceived(ExchangeReceivedBody(exchange: id, digest: scenario.suite.hash.hash(Array("payload 3".utf8)).hex, records: 3)),
                                    id: eventID, at: Scenario.at)
    }

    @Test
    func reopeningResumesFromTheSnapshotAndStillKnowsEveryIdAndExchange() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)

        let ledger = try Ledger.open(at: scenario.directory)
        #expect(ledger.writer.recovery.resumedAt == 11)
        #expect(ledger.writer.recovery.replayedEntries == 0)
        #expect(ledger.writer.recovery.notes.isEmpty, "\(ledger.writer.recovery.notes)")
        // Rule 3 through the on-disk history: a repeat gets its original receipt, another event
        // under a used id is a conflict.
        #expect(try await ledger.append(scenario.exchange(2)).seq == 8)
        let conflicting = try scenario.platform.sign(.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .open, level: .general, reason: "r")), id: "x-2", at: Scenario.at)
        let conflict = try await #require(throws: StoreError.self) { try await ledger.append(conflicting) }
        #expect(conflict.violation?.code == .idConflict, "\(conflict)")
        // Rule 5 through it: an exchange sent before the snapshot can be acknowledged once, and
        // its id cannot be sent again.
        #expect(try await ledger.append(acknowledgement(scenario, "x-3", eventID: "ack-3")).seq == 11)
        let twice = try await #require(throws: StoreError.self) { try await ledger.append(acknowledgement(scenario, "x-3", eventID: "ack-3b")) }
        #expect(twice.violation?.code == .alreadyExists && twice.message.contains("already acknowledged at seq 11"), "\(twice)")
        let resent = try scenario.platform.sign(.exchangeSent(ExchangeSentBody(
            exchange: "x-1", dataset: "trips", recipient: "transport.sh", grant: "g-1", purpose: "supervision",
            fields: ["end"], records: 1, bytes: 1, digest: scenario.suite.hash.hash([1]).hex)), id: "resend-1", at: Scenario.at)
        let duplicateExchange = try await #require(throws: StoreError.self) { try await ledger.append(resent) }
        #expect(duplicateExchange.violation?.code == .alreadyExists, "\(duplicateExchange)")
        ledger.close()

        // The acknowledgement made after the first snapshot is remembered by the next one.
        let again = try Ledger.open(at: scenario.directory)
        defer { again.close() }
        #expect(again.writer.recovery.resumedAt == 12 && again.writer.recovery.replayedEntries == 0)
        let third = try await #require(throws: StoreError.self) { try await again.append(acknowledgement(scenario, "x-3", eventID: "ack-3c")) }
        #expect(third.violation?.code == .alreadyExists, "\(third)")
        #expect(try await again.append(acknowledgement(scenario, "x-3", eventID: "ack-3")).seq == 11)
        try replayWithEveryCheck(scenario.directory)
    }

    @Test
    func anOlderSnapshotReplaysOnlyTheEntriesAfterIt() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)
        let older = try Data(contentsOf: URL(fileURLWithPath: stateFile(scenario)))
        let ledger = try Ledger.open(at: scenario.directory)
        for n in 5..<8 { _ = try await ledger.append(scenario.exchange(n)) }
        ledger.close()
        try older.write(to: URL(fileURLWithPath: stateFile(scenario)))

        let reopened = try Ledger.open(at: scenario.directory)
        defer { reopened.close() }
        #expect(reopened.writer.recovery.resumedAt == 11 && reopened.writer.recovery.replayedEntries == 3)
        #expect(try await reopened.append(scenario.exchange(6)).seq == 12)
        #expect(try await reopened.append(scenario.exchange(8)).seq == 14)
    }

    @Test
    func historyWrittenWhileAppendingKeepsEveryIdAndAcknowledgement() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let options = historyEverySecondEntry
        let ledger = try await ledger(scenario, options: options, exchanges: 5)
        // x-0 was written to the history several writes ago; its acknowledgement replaces its row.
        #expect(try await ledger.append(acknowledgement(scenario, "x-0", eventID: "ack-0")).seq == 11)
        _ = try await ledger.append(scenario.exchange(5))
        let twice = try await #require(throws: StoreError.self) { try await ledger.append(acknowledgement(scenario, "x-0", eventID: "ack-0b")) }
        #expect(twice.message.contains("already acknowledged at seq 11"), "\(twice)")
        ledger.close()

        let reopened = try Ledger.open(at: scenario.directory, options: options)
        defer { reopened.close() }
        #expect(reopened.writer.recovery.resumedAt == 13 && reopened.writer.recovery.replayedEntries == 0)
        #expect(try await reopened.append(scenario.exchange(1)).seq == 7)
        #expect(try await reopened.append(acknowledgement(scenario, "x-0", eventID: "ack-0")).seq == 11)
        let third = try await #require(throws: StoreError.self) { try await reopened.append(acknowledgement(scenario, "x-0", eventID: "ack-0c")) }
        #expect(third.violation?.code == .alreadyExists, "\(third)")
        #expect(try await reopened.append(acknowledgement(scenario, "x-4", eventID: "ack-4")).seq == 13)
    }

    @Test
    func eachHistoryWriteIsARunAndLookupsTakeTheNewestRowOfAKey() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let options = historyEverySecondEntry
        let ledger = try await ledger(scenario, options: options, exchanges: 4)
        // x-1 was sent in an earlier run; its acknowledgement writes it again, whole, in a later one.
        #expect(try await ledger.append(acknowledgement(scenario, "x-1", eventID: "ack-1")).seq == 10)
        _ = try await ledger.append(scenario.exchange(4))
        ledger.close()
        let database = try SQLiteConnection(path: stateFile(scenario))
        let shape = try database.prepare("""
            SELECT (SELECT count(*) FROM runs), (SELECT count(DISTINCT run) FROM events),
                   (SELECT count(*) FROM runs WHERE row_count <> (SELECT count(*) FROM events e WHERE e.run = runs.run)
                                                              + (SELECT count(*) FROM exchanges x WHERE x.run = runs.run)),
                   (SELECT count(*) FROM exchanges GROUP BY key ORDER BY count(*) DESC LIMIT 1)
            """)
        _ = try shape.step()
        #expect(shape.int(0) >= 4 && shape.int(1) == shape.int(0), "runs \(shape.int(0)), runs with events \(shape.int(1))")
        #expect(shape.int(2) == 0)  // each run counts its rows
        #expect(shape.int(3) == 2)  // x-1: sent, then acknowledged
        database.close()

        // Through the on-disk runs only: the newest row of x-1 says it was acknowledged, the
        // oldest run still refuses its id, and a run's keys are found whichever run holds them.
        let reopened = try Ledger.open(at: scenario.directory, options: options)
        defer { reopened.close() }
        #expect(reopened.writer.recovery.replayedEntries == 0)
        let twice = try await #require(throws: StoreError.self) { try await reopened.append(acknowledgement(scenario, "x-1", eventID: "ack-1b")) }
        #expect(twice.message.contains("already acknowledged at seq 10"), "\(twice)")
        #expect(try await reopened.append(scenario.exchange(0)).seq == 6)
        #expect(try await reopened.append(acknowledgement(scenario, "x-1", eventID: "ack-1")).seq == 10)
        #expect(try await reopened.append(acknowledgement(scenario, "x-3", eventID: "ack-3")).seq == 12)
    }

    @Test
    func aStateFileOfAnEarlierVersionIsRebuiltFromTheLogWithANote() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)
        try FileManager.default.removeItem(atPath: stateFile(scenario))
        // Version 3 keyed its rows by digest alone.
        let database = try SQLiteConnection(path: stateFile(scenario))
        try database.execute("CREATE TABLE events(key BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID; PRAGMA user_version = 3")
        database.close()

        let ledger = try Ledger.open(at: scenario.directory)
        #expect(ledger.writer.recovery.replayedEntries == 11)
        #expect(ledger.writer.recovery.notes.contains { $0.contains("it is of version 3, this writer keeps version \(HistoryFile.version)") && $0.contains("rebuilt from the log") },
                "\(ledger.writer.recovery.notes)")
        #expect(try await ledger.append(scenario.exchange(2)).seq == 8)
        // The refused file's connection was closed, not left open (and locked) on its removed inode.
        let removedStillOpen = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").filter { fd in
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\(fd)"))?.hasSuffix(stateFile(scenario) + " (deleted)") == true
        }
        #expect(removedStillOpen.isEmpty, "descriptors \(removedStillOpen) still hold the removed state file")
        ledger.close()
        let again = try Ledger.open(at: scenario.directory)
        defer { again.close() }
        #expect(again.writer.recovery.resumedAt == 11 && again.writer.recovery.notes.isEmpty, "\(again.writer.recovery.notes)")
    }

    /// Rows in the history file's tables: (events, exchanges).
    private func tableRows(_ scenario: Scenario) throws -> (events: Int64, exchanges: Int64, beside: Int64) {
        let database = try SQLiteConnection(path: stateFile(scenario))
        defer { database.close() }
        let statement = try database.prepare("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM exchanges), (SELECT length(recent) FROM snapshot)")
        _ = try statement.step()
        return (statement.int(0), statement.int(1), statement.int(2))
    }

    @Test
    func aClosingWriterKeepsItsRowsBesideTheSnapshotUntilTheyReachItsInterval() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)
        // Closed below its interval: the rows of all eleven entries are beside the snapshot.
        var rows = try tableRows(scenario)
        #expect(rows.events == 0 && rows.exchanges == 0 && rows.beside > 0, "\(rows)")

        var options = WriterOptions()
        options.snapshotEvery = 14
        let ledger = try Ledger.open(at: scenario.directory, options: options)
        #expect(ledger.writer.recovery.resumedAt == 11 && ledger.writer.recovery.replayedEntries == 0)
        #expect(try await ledger.append(scenario.exchange(2)).seq == 8)  // known from the rows read back
        #expect(try await ledger.append(scenario.exchange(5)).seq == 11)
        ledger.close()
        rows = try tableRows(scenario)
        #expect(rows.events == 0 && rows.exchanges == 0, "\(rows)")

        // The fourteenth entry reaches the interval: every row goes to the tables.
        let again = try Ledger.open(at: scenario.directory, options: options)
        #expect(again.writer.recovery.resumedAt == 12 && again.writer.recovery.replayedEntries == 0)
        for n in 6..<8 { _ = try await again.append(scenario.exchange(n)) }
        again.close()
        rows = try tableRows(scenario)
        #expect(rows.events == 14 && rows.exchanges == 8 && rows.beside == 0, "\(rows)")

        let third = try Ledger.open(at: scenario.directory, options: options)
        defer { third.close() }
        #expect(third.writer.recovery.resumedAt == 14 && third.writer.recovery.replayedEntries == 0)
        #expect(try await third.append(scenario.exchange(1)).seq == 7)
        #expect(try await third.append(scenario.exchange(7)).seq == 13)
        #expect(try await third.append(acknowledgement(scenario, "x-6", eventID: "ack-6")).seq == 14)
    }

    /// A full replay (the snapshot deleted) writes the history's rows and a snapshot each time
    /// the rows in memory reach the writer's interval, as appending does: it holds a bounded part
    /// of a large log in memory, not all of it, and still knows every id and exchange after.
    @Test
    func aFullReplayWritesTheHistoryAsItGoesAndForgetsNothing() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let count = 3_100
        let ledger = try await scenario.create()
        _ = try await ledger.append(try (0..<count).map { try scenario.exchange($0) })
        ledger.close()
        let total = Int64(count + 6)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: stateFile(scenario) + suffix) }

        var options = WriterOptions()
        options.snapshotEvery = 1_000
        let reopened = try Ledger.open(at: scenario.directory, options: options)
        #expect(reopened.writer.recovery.replayedEntries == total)
        #expect(reopened.writer.recovery.notes.contains { $0.contains("no state snapshot") }, "\(reopened.writer.recovery.notes)")
        reopened.close()
        // Written on the way (a window of lines at a time), not all at the end: most rows are in
        // the tables, the last ones (fewer than the interval) beside the snapshot.
        let rows = try tableRows(scenario)
        #expect(rows.events >= total - 1_000 && rows.events < total && rows.beside > 0, "\(rows)")

        // Rule 3 and rule 5 still see the first exchanges, the last, and those between.
        let resumed = try Ledger.open(at: scenario.directory, options: options)
        #expect(resumed.writer.recovery.resumedAt == total && resumed.writer.recovery.replayedEntries == 0, "\(resumed.writer.recovery)")
        #expect(try await resumed.append(scenario.exchange(0)).seq == 6)
        #expect(try await resumed.append(scenario.exchange(count - 1)).seq == total - 1)
        let conflicting = try scenario.platform.sign(.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .open, level: .general, reason: "r")), id: "x-1500", at: Scenario.at)
        let conflict = try await #require(throws: StoreError.self) { try await resumed.append(conflicting) }
        #expect(conflict.violation?.code == .idConflict, "\(conflict)")
        #expect(try await resumed.append(acknowledgement(scenario, "x-10", eventID: "ack-10")).seq == total)
        let twice = try await #require(throws: StoreError.self) { try await resumed.append(acknowledgement(scenario, "x-10", eventID: "ack-10b")) }
        #expect(twice.violation?.code == .alreadyExists, "\(twice)")
        resumed.close()

        let again = try Ledger.open(at: scenario.directory, options: options)
        defer { again.close() }
        #expect(again.writer.recovery.resumedAt == total + 1 && again.writer.recovery.replayedEntries == 0, "\(again.writer.recovery)")
    }

    /// A log cut back by hand with its new last line edited (a signature the index vouched for is
    /// not checked again, and no entry follows to break the chain) is refused by a full replay
    /// that writes snapshots on its way, even when its last window ends exactly where the log
    /// ends: every snapshot names an entry whose line was compared with the stored hashes.
    @Test
    func aFullReplayRefusesALogCutBackWithItsLastLineEdited() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        _ = try await ledger.append(try (0..<3_000).map { try scenario.exchange($0) })
        ledger.close()
        // Entry 2047 is exchange x-2041, the last of the second window of 1,024 lines.
        let segment = LedgerLayout(directory: scenario.directory).segment(firstSeq: 0)
        var lines = try String(contentsOfFile: segment, encoding: .utf8).split(separator: "\n").prefix(2_048).map(String.init)
        #expect(lines[2_047].contains("\"records\":2041}"))
        lines[2_047] = lines[2_047].replacingOccurrences(of: "\"records\":2041}", with: "\"records\":9041}")
        try (lines.joined(separator: "\n") + "\n").write(toFile: segment, atomically: false, encoding: .utf8)
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: stateFile(scenario) + suffix) }

        var options = WriterOptions()
        options.snapshotEvery = 1_000  // a snapshot after every window
        let error = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory, options: options) }
        #expect(error.code == .damaged && error.message.contains("index/hashes disagrees with the log at entry 2047"), "\(error.message)")
        let again = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory, options: options) }
        #expect(again.message.contains("disagrees with the log at entry 2047"), "\(again.message)")
    }

    /// The key filter in front of the tables: one damaged is rebuilt from the rows with a note,
    /// one missing (a file written before there was one) silently; either way no id or exchange
    /// of history is forgotten.
    @Test(arguments: [
        ("UPDATE keyfilter SET words = zeroblob(length(words))", true),
        ("UPDATE keyfilter SET count = count + 1", true),
        ("UPDATE keyfilter SET segment = 1", true),
        ("UPDATE keyfilter SET digest = zeroblob(32)", true),
        ("DELETE FROM keyfilter", false),
    ])
    func aDamagedOrMissingKeyFilterIsRebuiltFromTheRows(edit: String, noted: Bool) async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let options = historyEverySecondEntry  // every row goes to the tables
        try await ledger(scenario, options: options, exchanges: 5).close()
        #expect(try tableRows(scenario).events >= 10)  // the rows of x-0…x-3 are in the tables
        let database = try SQLiteConnection(path: stateFile(scenario))
        try database.execute(edit)
        database.close()

        let reopened = try Ledger.open(at: scenario.directory, options: options)
        defer { reopened.close() }
        #expect(reopened.writer.recovery.resumedAt == 11 && reopened.writer.recovery.replayedEntries == 0)
        let notes = reopened.writer.recovery.notes
        #expect(notes.contains { $0.contains("key filter") && $0.contains("rebuilt from the history's rows") } == noted, "\(notes)")
        #expect(try await reopened.append(scenario.exchange(2)).seq == 8)
        let conflicting = try scenario.platform.sign(.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .open, level: .general, reason: "r")), id: "x-1", at: Scenario.at)
        let conflict = try await #require(throws: StoreError.self) { try await reopened.append(conflicting) }
        #expect(conflict.violation?.code == .idConflict, "\(conflict)")
        #expect(try await reopened.append(acknowledgement(scenario, "x-3", eventID: "ack-3")).seq == 11)
        let twice = try await #require(throws: StoreError.self) { try await reopened.append(acknowledgement(scenario, "x-3", eventID: "ack-3b")) }
        #expect(twice.violation?.code == .alreadyExists, "\(twice)")
    }

    @Test
    func theSnapshotIntervalGrowsWithTheLedgerUpToItsCap() {
        var options = WriterOptions()
        #expect(options.snapshotInterval(size: 0) == 8192)
        #expect(options.snapshotInterval(size: 200_000) == 12_500)
        #expect(options.snapshotInterval(size: 1_000_000) == 62_500)
        #expect(options.snapshotInterval(size: 50_000_000) == 65_536)
        options.snapshotEvery = 40
        #expect(options.snapshotInterval(size: 1_000_000) == 40)
    }

    @Test(arguments: [
        ("UPDATE snapshot SET state = substr(state, 1, 40) || X'7E' || substr(state, 42)", "digest does not match"),
        ("UPDATE snapshot SET size = size - 1", "digest does not match"),
        ("UPDATE snapshot SET recent = substr(recent, 1, 30) || X'7E' || substr(recent, 32)", "digest does not match"),
        ("DELETE FROM snapshot", "there was no state snapshot"),
    ])
    func aSnapshotEditedByHandIsIgnoredWithANoteAndRebuilt(edit: String, note: String) async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)
        let database = try SQLiteConnection(path: stateFile(scenario))
        try database.execute(edit)
        database.close()

        let ledger = try Ledger.open(at: scenario.directory)
        #expect(ledger.writer.recovery.resumedAt == nil && ledger.writer.recovery.replayedEntries == 11)
        #expect(ledger.writer.recovery.notes.contains { $0.contains(note) }, "\(ledger.writer.recovery.notes)")
        #expect(try await ledger.append(scenario.exchange(4)).seq == 10)
        #expect(try await ledger.append(scenario.exchange(5)).seq == 11)
        ledger.close()
        let rebuilt = try Ledger.open(at: scenario.directory)
        defer { rebuilt.close() }
        #expect(rebuilt.writer.recovery.resumedAt == 12 && rebuilt.writer.recovery.notes.isEmpty)
    }

    @Test
    func anotherLedgersSnapshotIsIgnoredBecauseItsLastEntryDiffers() async throws {
        let mine = try Scenario()
        let other = try Scenario()
        defer { mine.removeAll(); other.removeAll() }
        try await elevenEntries(mine)
        try await elevenEntries(other)
        try FileManager.default.removeItem(atPath: stateFile(mine))
        try FileManager.default.copyItem(atPath: stateFile(other), toPath: stateFile(mine))

        let ledger = try Ledger.open(at: mine.directory)
        defer { ledger.close() }
        #expect(ledger.writer.recovery.resumedAt == nil)
        #expect(ledger.writer.recovery.notes.contains { $0.contains("entry 10 of the log is not the entry it was taken after") }, "\(ledger.writer.recovery.notes)")
        #expect(try await ledger.append(mine.exchange(0)).seq == 6)
    }

    @Test
    func aStateFileThatIsNotADatabaseIsReplacedWithANote() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)
        try Data(repeating: 0x41, count: 5000).write(to: URL(fileURLWithPath: stateFile(scenario)))

        let ledger = try Ledger.open(at: scenario.directory)
        defer { ledger.close() }
        #expect(ledger.writer.recovery.notes.contains { $0.contains("could not be used") }, "\(ledger.writer.recovery.notes)")
        #expect(ledger.writer.recovery.replayedEntries == 11)
        #expect(try await ledger.append(scenario.exchange(3)).seq == 9)
    }

    @Test
    func damageAfterTheSnapshotIsFoundAtOpenAndNothingIsChanged() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await elevenEntries(scenario)
        // A copy of the last line appended by hand: seq 10 again, after the snapshot's position.
        let segment = LedgerLayout(directory: scenario.directory).segment(firstSeq: 0)
        let text = try String(contentsOfFile: segment, encoding: .utf8)
        let last = text.split(separator: "\n").last!
        try (text + last + "\n").write(toFile: segment, atomically: false, encoding: .utf8)
        let logBefore = try Data(contentsOf: URL(fileURLWithPath: segment))

        let error = try #require(throws: StoreError.self) { try Ledger.open(at: scenario.directory) }
        #expect(error.code == .damaged)
        #expect(error.message.contains("00000000000000000000.jsonl line 12") && error.message.contains("sequenceGap"), "\(error.message)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: segment)) == logBefore)
    }
}
