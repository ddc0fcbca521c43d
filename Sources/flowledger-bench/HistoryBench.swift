// The writer's history file (`index/state.sqlite`) as it grows: what one write of rows costs at
// each size, and what lookups cost, with the file's real code (HistoryFile):
//   1. writes: runs of 65,536 event rows and 65,536 exchange rows (one write interval of a
//      ledger of exchanges past a million entries), each timed, up to --rows rows in all; beside
//      each, the same rows written the way version 3 kept them (one B-tree keyed by digest, the
//      same SQL through GRDB), and the runs layout through GRDB too, so the two layouts are
//      compared with the same driver;
//   2. lookups at each doubling: keys the history never held (the key filter answers nearly
//      all), and keys of the oldest run, which a lookup reaches last (one seek per run).
// Rows are synthetic (random keys), so no ledger is built. Results are figures, never assertions.
import Foundation
import GRDB
import LedgerCore
import LedgerCrypto
import LedgerStore

struct HistoryBench {
    /// Rows written in all (half events, half exchanges).
    var rows = 4_194_304
    /// Rows of one kind per write.
    let runRows = 65_536
    /// Lookups timed of each kind at each doubling.
    var lookups = 20_000
    /// Whether to write the digest-keyed layout beside (it takes longest).
    var baseline = true

    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--rows": rows = try positiveNumber(after: argument, in: &rest)
            case "--lookups": lookups = try positiveNumber(after: argument, in: &rest)
            case "--no-baseline": baseline = false
            case "--quick": (rows, lookups) = (1_048_576, 5_000)
            default: throw UsageError("unknown option \(argument)")
            }
        }
    }

    func run() throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let writes = max(1, rows / (2 * runRows))
        print("history file: \(writes) writes of \(grouped(runRows)) event rows and \(grouped(runRows)) exchange rows, load \(loadAverage())")
        let (file, _) = try HistoryFile.open(path: work + "/state.sqlite")
        defer { file.close() }
        let flat = baseline ? try GRDBHistory(path: work + "/flat.sqlite", runs: false) : nil
        let runs = baseline ? try GRDBHistory(path: work + "/runs.sqlite", runs: true) : nil
        var random = SplitMix64(seed: 0x4869_7374_6f72_79)
        var oldest: [DigestKey] = []
        var oldestExchanges: [DigestKey] = []

        heading("1. one write of \(grouped(2 * runRows)) rows, by rows already held (s)")
        line("rows held", "  HistoryFile   GRDB runs   GRDB by digest (version 3)")
        for write in 0..<writes {
            let events = (0..<runRows).map { _ in DigestKey(high: random.next(), low: random.next()) }.sorted()
            let exchanges = (0..<runRows).map { _ in DigestKey(high: random.next(), low: random.next()) }.sorted()
            if write == 0 { (oldest, oldestExchanges) = (events, exchanges) }
            let base = Int64(write * runRows)
            let delta = HistoryDelta(events: events.enumerated().map { ($1, base + Int64($0)) },
                                     exchanges: exchanges.map { ($0, LedgerState.Exchange(dataset: "trips", recipient: "transport.sh", receivedAt: nil)) })
            var start = nanos()
            try file.flush(delta, size: base + Int64(runRows), leaf: .zero, state: [UInt8](repeating: 7, count: 256))
            let real = seconds(since: start)
            var viaRuns = Double.nan, viaDigest = Double.nan
            if let runs, let flat {
                start = nanos()
                try runs.write(delta, run: Int64(write))
                viaRuns = seconds(since: start)
                start = nanos()
                try flat.write(delta, run: Int64(write))
                viaDigest = seconds(since: start)
            }
            let held = write * 2 * runRows
            if write.nonzeroBitCount == 1 || write == 0 || write == writes - 1 {
                line(grouped(held), String(format: "%12.3f %11.3f %12.3f", real, viaRuns, viaDigest))
            }
            if (write + 1).nonzeroBitCount == 1 || write == writes - 1 {
                lookupLine(file, runsHeld: write + 1, oldest: oldest, oldestExchanges: oldestExchanges, random: &random)
            }
        }
        line("peak RSS", peakRSS())
    }

    /// Times absent keys and the oldest run's keys through `file` and prints one line.
    private func lookupLine(_ file: HistoryFile, runsHeld: Int, oldest: [DigestKey], oldestExchanges: [DigestKey], random: inout SplitMix64) {
        let absent = (0..<lookups * 10).map { _ in DigestKey(high: random.next(), low: random.next()) }
        var start = nanos()
        var found = 0
        for key in absent where file.eventSeq(key) != nil { found += 1 }
        let absentMicros = seconds(since: start) / Double(absent.count) * 1e6
        start = nanos()
        for index in 0..<lookups where file.eventSeq(oldest[index * oldest.count / lookups]) != nil { found += 1 }
        let eventMicros = seconds(since: start) / Double(lookups) * 1e6
        start = nanos()
        for index in 0..<lookups where file.exchange(oldestExchanges[index * oldestExchanges.count / lookups]) != nil { found += 1 }
        let exchangeMicros = seconds(since: start) / Double(lookups) * 1e6
        precondition(found == 2 * lookups, "a key of the oldest run was not found, or an absent one was")
        line("  lookups, \(runsHeld) runs held", String(format: "absent %.2f µs, oldest run's event %.1f µs, its exchange %.1f µs", absentMicros, eventMicros, exchangeMicros))
    }
}

/// The same rows through GRDB, in the runs layout or keyed by digest alone (version 3's), with
/// the history file's pragmas: the baseline of step 1.
private struct GRDBHistory {
    let queue: DatabaseQueue
    let runs: Bool

    init(path: String, runs: Bool) throws {
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA locking_mode = EXCLUSIVE; PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA cache_size = -16384")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        self.runs = runs
        try queue.write { db in
            if runs {
                try db.execute(sql: """
                    CREATE TABLE events(run INTEGER NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL, PRIMARY KEY(run, key)) WITHOUT ROWID;
                    CREATE TABLE exchanges(run INTEGER NOT NULL, key BLOB NOT NULL, dataset TEXT NOT NULL, recipient TEXT NOT NULL,
                        received_at INTEGER, PRIMARY KEY(run, key)) WITHOUT ROWID;
                    """)
            } else {
                try db.execute(sql: """
                    CREATE TABLE events(key BLOB PRIMARY KEY, seq INTEGER NOT NULL) WITHOUT ROWID;
                    CREATE TABLE exchanges(key BLOB PRIMARY KEY, dataset TEXT NOT NULL, recipient TEXT NOT NULL, received_at INTEGER) WITHOUT ROWID;
                    """)
            }
        }
    }

    /// Writes `delta` in one transaction.
    func write(_ delta: HistoryDelta, run: Int64) throws {
        try queue.inTransaction(.immediate) { db in
            let event = try db.cachedStatement(sql: runs ? "INSERT INTO events VALUES (?, ?, ?)" : "INSERT INTO events VALUES (?, ?)")
            for (key, seq) in delta.events {
                let blob = Data(key.bytes)
                try event.execute(arguments: runs ? [run, blob, seq] : [blob, seq])
            }
            let exchange = try db.cachedStatement(sql: runs ? "INSERT INTO exchanges VALUES (?, ?, ?, ?, ?)" : "INSERT OR REPLACE INTO exchanges VALUES (?, ?, ?, ?)")
            for (key, row) in delta.exchanges {
                let blob = Data(key.bytes)
                try exchange.execute(arguments: runs ? [run, blob, row.dataset, row.recipient, row.receivedAt]
                                                     : [blob, row.dataset, row.recipient, row.receivedAt])
            }
            return .commit
        }
    }
}
