import Foundation
import LedgerCore
import LedgerCrypto
@testable import LedgerStore
import LedgerTestSupport
import Testing

/// The writer's history file keeps its rows in runs, one per write, and seeks a key only in the
/// runs its key filter's segments name: every key is found, in its newest row, whichever run and
/// segment hold it, after reopening and after the filter is rebuilt from the rows.
@Suite("History file runs (HistoryFile)")
struct HistoryFileRunsTests {
    /// Uniform keys, as SHA-256 digests are, repeatably, in key order (as a write takes them).
    private func keys(_ count: Int, seed: UInt64) -> [DigestKey] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in DigestKey(high: random.next(), low: random.next()) }.sorted()
    }

    /// A new history file in a new directory, and the directory to remove.
    private func newHistoryPath() throws -> (path: String, directory: URL) {
        let directory = try temporaryDirectory()
        return (directory.appendingPathComponent("state.sqlite").path, directory)
    }

    private func exchange(received: Int64?) -> LedgerState.Exchange {
        LedgerState.Exchange(dataset: "trips", recipient: "transport.sh", receivedAt: received)
    }

    @Test
    func keysAreFoundInTheirNewestRunAcrossFilterSegmentsReopeningAndARebuiltFilter() throws {
        let (path, directory) = try newHistoryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        // Run 0 and run 1 fill the filter's first segment and start its second (run 1 straddles
        // both); run 2 acknowledges one of run 0's exchanges, whose newer row must win.
        let events = [keys(30_000, seed: 1), keys(30_000, seed: 2), keys(1_000, seed: 3)]
        let sent = [keys(5_000, seed: 4), keys(5_000, seed: 5), [DigestKey]()]
        let acknowledged = sent[0][1234]
        var seq: Int64 = 0
        var expectedSeq: [DigestKey: Int64] = [:]
        do {
            let (file, note) = try HistoryFile.open(path: path)
            #expect(note == nil)
            for run in 0..<3 {
                var eventRows: [(key: DigestKey, seq: Int64)] = []
                for key in events[run] {
                    eventRows.append((key, seq))
                    expectedSeq[key] = seq
                    seq += 1
                }
                var exchangeRows = sent[run].map { (key: $0, exchange: exchange(received: nil)) }
                if run == 2 { exchangeRows = [(acknowledged, exchange(received: 99))] }
                try file.flush(HistoryDelta(events: eventRows, exchanges: exchangeRows), size: seq, leaf: .zero, state: [1])
            }
            try expectEveryKey(in: file, expectedSeq: expectedSeq, sent: sent, acknowledged: acknowledged)
            file.close()
        }
        let database = try SQLiteConnection(path: path)
        let shape = try database.prepare("SELECT (SELECT count(*) FROM runs), (SELECT count(*) FROM keyfilter), (SELECT sum(row_count) FROM runs)")
        _ = try shape.step()
        #expect(shape.int(0) == 3 && shape.int(1) == 2 && shape.int(2) == 71_001)
        shape.reset()
        database.close()

        for edit in [nil, "DELETE FROM keyfilter"] {
            if let edit {
                let database = try SQLiteConnection(path: path)
                try database.execute(edit)
                database.close()
            }
            let (file, note) = try HistoryFile.open(path: path)
            #expect(note == nil)  // a missing filter is built from the rows silently
            try expectEveryKey(in: file, expectedSeq: expectedSeq, sent: sent, acknowledged: acknowledged)
            file.close()
        }
    }

    private func expectEveryKey(in file: HistoryFile, expectedSeq: [DigestKey: Int64], sent: [[DigestKey]], acknowledged: DigestKey) throws {
        let missed = expectedSeq.filter { file.eventSeq($0.key) != $0.value }.count
        #expect(missed == 0, "\(missed) of \(expectedSeq.count) event keys were not found with their seq")
        let exchangesMissed = sent.joined().filter { file.exchange($0)?.dataset != "trips" }.count
        #expect(exchangesMissed == 0, "\(exchangesMissed) exchanges were not found")
        #expect(file.exchange(acknowledged)?.receivedAt == 99)
        #expect(keys(2_000, seed: 6).allSatisfy { file.eventSeq($0) == nil && file.exchange($0) == nil })
        #expect(file.takeFailure() == nil)
    }

    @Test
    func aWriteThatFailsLeavesTheFilterAsTheRunsAreAndTheNextWriteGoesOn() throws {
        let (path, directory) = try newHistoryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let first = keys(500, seed: 9), failed = keys(300, seed: 10), next = keys(400, seed: 11)
        do {
            let (file, _) = try HistoryFile.open(path: path)
            try file.flush(HistoryDelta(events: first.enumerated().map { ($1, Int64($0)) }, exchanges: []), size: 500, leaf: .zero, state: [1])
            // The same key twice in one run breaks the primary key half way: nothing of it is kept.
            var broken: [(key: DigestKey, seq: Int64)] = failed.enumerated().map { ($1, Int64(500 + $0)) }
            broken.append((failed[299], 999))
            #expect(throws: StoreError.self) {
                try file.flush(HistoryDelta(events: broken, exchanges: []), size: 800, leaf: .zero, state: [1])
            }
            #expect(failed.allSatisfy { file.eventSeq($0) == nil })
            try file.flush(HistoryDelta(events: next.enumerated().map { ($1, Int64(500 + $0)) }, exchanges: []), size: 900, leaf: .zero, state: [1])
            #expect(first.allSatisfy { file.eventSeq($0) != nil } && next.allSatisfy { file.eventSeq($0) != nil })
            file.close()
        }
        let (file, note) = try HistoryFile.open(path: path)
        defer { file.close() }
        #expect(note == nil, "\(note ?? "")")  // the stored filter counts the runs' rows
        #expect(first.allSatisfy { file.eventSeq($0) != nil } && next.allSatisfy { file.eventSeq($0) != nil })
        #expect(failed.filter { file.eventSeq($0) != nil }.count <= 3)  // only false positives' seeks, finding nothing
    }

    @Test
    func aFilterThatDoesNotCountTheRunsRowsIsRebuiltWithANote() throws {
        let (path, directory) = try newHistoryPath()
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = keys(100, seed: 7)
        do {
            let (file, _) = try HistoryFile.open(path: path)
            try file.flush(HistoryDelta(events: rows.enumerated().map { ($1, Int64($0)) }, exchanges: []), size: 100, leaf: .zero, state: [1])
            file.close()
        }
        // A run added by hand: its rows are not in the filter.
        let extra = keys(10, seed: 8)
        let database = try SQLiteConnection(path: path)
        try database.execute("INSERT INTO runs(run, row_count) VALUES (1, 10)")
        let insert = try database.prepare("INSERT INTO events(run, key, seq) VALUES (1, ?, ?)")
        for (index, key) in extra.enumerated() {
            insert.bind(1, key.bytes)
            insert.bind(2, Int64(100 + index))
            _ = try insert.step()
            insert.reset()
        }
        database.close()

        let (file, note) = try HistoryFile.open(path: path)
        defer { file.close() }
        #expect(note?.contains("holds 100 keys where the history's runs hold 110 rows") == true, "\(note ?? "no note")")
        #expect(extra.allSatisfy { file.eventSeq($0) != nil } && rows.allSatisfy { file.eventSeq($0) != nil })
    }
}
