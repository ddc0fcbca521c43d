import LedgerCore
import LedgerCrypto
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `index/state.sqlite`: the writer's state snapshot and the history the integrity rules must
/// remember for ever (every (author, id), every exchange), so opening a ledger as its writer
/// costs its state, not its history.
///
/// Contract:
/// - Derived and rebuildable: the segment files stay the only source of truth, `verify` never
///   reads this file, and anything wrong with it (missing, unreadable, another version, a
///   snapshot whose digest or position does not match the log) makes the writer ignore it with a
///   note and rebuild it from the log.
/// - Bound to a position: the snapshot names the size and the leaf hash of the last entry it
///   covers, and carries a digest over both, its bytes and the rows kept beside it:
///
///       digest = SHA-256("flowledger/v1/writer-snapshot\n" || le64(size) || leaf || state || recent)
///
///   so a snapshot edited by hand, or one of another copy of the log, is detected.
/// - Two ways to keep a position: ``flush(_:size:leaf:state:)`` writes the rows of the entries
///   since the last one into the tables as a new run, while
///   ``save(size:leaf:state:recent:)`` keeps them beside the snapshot as one blob (`recent`,
///   ``LedgerState/recentRowsBytes()``), a sequential write, for a writer that closes: the next
///   writer reads them back into memory and writes them to the tables with its own.
/// - Atomic: the history rows and the snapshot of one position are written in one SQLite
///   transaction (WAL), so a SIGKILL or power cut leaves the previous position or this one.
/// - Written in runs: each flush adds its rows, sorted by key, as run `r` (table `runs`), and
///   the tables' primary key is `(run, key)`, so a flush appends at the right edge of each
///   B-tree and costs its own rows whatever the history's size. (Keyed by digest alone, a flush
///   of 131,072 rows rewrote pages all over a tree that kept growing: 0.39 s into an empty file,
///   0.98 s at four million rows, so a writer's total cost grew with the square of the log;
///   `flowledger-bench history`.)
///   A lookup seeks `(r, key)` in the runs that may hold the key, newest first, and takes the
///   first row it finds: an event's key is in one run only (rule 3), an exchange acknowledged
///   after its run was flushed is written again, whole, in a later one.
/// - Filtered: a Bloom filter of every key in the tables (``HistoryKeyFilter``, table
///   `keyfilter`, a row per segment under its own digest, written with the rows it covers)
///   answers most lookups of keys the history never held without SQLite. It takes the keys in
///   the order of the runs' rows (each run's events, then its exchanges), so the segments that
///   may hold a key name the runs to seek (the newest segment, as many keys as all before it,
///   spans about half the runs; the older ones, fewer and fewer). One missing is built
///   from the rows at open; one whose digest fails, or whose keys are not as many as the runs'
///   rows, is rebuilt from them with a note.
/// - Private to the writer: opened in exclusive locking mode (the writer lock keeps others out
///   anyway), so nothing but a flush changes its files while the writer runs.
/// - Never ahead of the log: the writer flushes only entries that are already durable.
package final class HistoryFile: RuleHistory {
    /// A snapshot read back: the position it describes and the state's bytes.
    struct Snapshot {
        let size: Int64
        let leaf: Hash32
        let state: [UInt8]
        /// Rows of the history not in the tables (``LedgerState/recentRowsBytes()``), or empty.
        let recent: [UInt8]
    }

    /// Rows a flush inserts with one statement (SQLite runs one statement of many rows faster
    /// than as many statements of one).
    static let rowsPerInsert = 64

    /// The schema version in `PRAGMA user_version` (2: rows kept beside the snapshot; 3: the key
    /// filter, so a writer that does not keep it never adds rows it would not know of; 4: rows
    /// written in runs).
    static let version: Int64 = 4

    let path: String
    private let storage: Mutex<Storage>

    /// The connection and its statements, only touched under the mutex.
    private final class Storage: @unchecked Sendable {  // owned by the Mutex
        let connection: SQLiteConnection
        let insertEvent: SQLiteConnection.Statement
        let writeExchange: SQLiteConnection.Statement
        /// ``insertEvent`` and ``writeExchange`` for ``HistoryFile/rowsPerInsert`` rows at once.
        let insertEvents: SQLiteConnection.Statement
        let writeExchanges: SQLiteConnection.Statement
        let readSnapshot: SQLiteConnection.Statement
        let writeSnapshot: SQLiteConnection.Statement
        let writeFilter: SQLiteConnection.Statement
        let insertRun: SQLiteConnection.Statement
        let findEventInRun: SQLiteConnection.Statement
        let findExchangeInRun: SQLiteConnection.Statement
        /// Where each run's rows end among all rows, in run order: run `r` (0, 1, …) holds rows
        /// `runEnds[r - 1]..<runEnds[r]`, the filter's keys at those positions.
        var runEnds: [Int] = []
        /// The run the next flush writes (one more than the last in table `runs`).
        var nextRun: Int64 { Int64(runEnds.count) }
        /// Every key in the tables, at the positions of the runs' rows: a key it has not seen is
        /// not looked up, and the segments that may hold one name the runs to seek.
        var filter = HistoryKeyFilter()
        /// The first failed lookup since the last ``HistoryFile/takeFailure()``.
        var failure: StoreError?

        /// Opens the file; a connection that cannot be set up is closed (a statement and its
        /// connection hold each other, so it would otherwise stay open, locked, until exit).
        convenience init(path: String) throws(StoreError) {
            let connection = try SQLiteConnection(path: path)
            do {
                try self.init(connection: connection)
            } catch {
                connection.close()
                throw error
            }
        }

        private init(connection: SQLiteConnection) throws(StoreError) {
            self.connection = connection
            // Another version's tables are not this one's (version 3 keyed rows by digest alone).
            let found = try Self.userVersion(connection)
            guard found == 0 || found == HistoryFile.version else {
                throw StoreError(.damaged, "it is of version \(found), this writer keeps version \(HistoryFile.version)")
            }
            try connection.execute("""
                PRAGMA locking_mode = EXCLUSIVE;
                PRAGMA journal_mode = WAL;
                PRAGMA synchronous = NORMAL;
                PRAGMA cache_size = -16384;
                CREATE TABLE IF NOT EXISTS snapshot(id INTEGER PRIMARY KEY CHECK (id = 1), size INTEGER NOT NULL,
                    leaf BLOB NOT NULL, state BLOB NOT NULL, recent BLOB NOT NULL, digest BLOB NOT NULL);
                CREATE TABLE IF NOT EXISTS runs(run INTEGER PRIMARY KEY, row_count INTEGER NOT NULL);
                CREATE TABLE IF NOT EXISTS events(run INTEGER NOT NULL, key BLOB NOT NULL, seq INTEGER NOT NULL,
                    PRIMARY KEY(run, key)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS exchanges(run INTEGER NOT NULL, key BLOB NOT NULL, dataset TEXT NOT NULL,
                    recipient TEXT NOT NULL, received_at INTEGER, PRIMARY KEY(run, key)) WITHOUT ROWID;
                CREATE TABLE IF NOT EXISTS keyfilter(segment INTEGER PRIMARY KEY, count INTEGER NOT NULL, words BLOB NOT NULL, digest BLOB NOT NULL);
                """)
            insertEvent = try connection.prepare("INSERT INTO events(run, key, seq) VALUES (?, ?, ?)")
            insertEvents = try connection.prepare("INSERT INTO events(run, key, seq) VALUES " + Self.placeholders(rows: HistoryFile.rowsPerInsert, columns: 3))
            // An exchange acknowledged since an earlier flush comes whole into this run, and
            // lookups find it before its older row.
            writeExchange = try connection.prepare("INSERT INTO exchanges(run, key, dataset, recipient, received_at) VALUES (?, ?, ?, ?, ?)")
            writeExchanges = try connection.prepare("INSERT INTO exchanges(run, key, dataset, recipient, received_at) VALUES "
                                                    + Self.placeholders(rows: HistoryFile.rowsPerInsert, columns: 5))
            findEventInRun = try connection.prepare("SELECT seq FROM events WHERE run = ? AND key = ?")
            findExchangeInRun = try connection.prepare("SELECT dataset, recipient, received_at FROM exchanges WHERE run = ? AND key = ?")
            insertRun = try connection.prepare("INSERT INTO runs(run, row_count) VALUES (?, ?)")
            let runs = try connection.prepare("SELECT run, row_count FROM runs ORDER BY run")
            defer { runs.reset() }
            while try runs.step() {
                guard runs.int(0) == Int64(runEnds.count), runs.int(1) > 0 else {
                    throw StoreError(.damaged, "table runs has run \(runs.int(0)) of \(runs.int(1)) rows where run \(runEnds.count) was expected")
                }
                runEnds.append((runEnds.last ?? 0) + Int(runs.int(1)))
            }
            readSnapshot = try connection.prepare("SELECT size, leaf, state, recent, digest FROM snapshot WHERE id = 1")
            writeSnapshot = try connection.prepare("INSERT OR REPLACE INTO snapshot(id, size, leaf, state, recent, digest) VALUES (1, ?, ?, ?, ?, ?)")
            writeFilter = try connection.prepare("INSERT OR REPLACE INTO keyfilter(segment, count, words, digest) VALUES (?, ?, ?, ?)")
        }

        /// The newest row of `key`, read by `read`: sought with `inRun` (bound to a run and the
        /// key) in each run the filter's matching segments cover, newest first. Nil when there is
        /// none or the lookup failed (kept in ``failure``).
        func find<T>(_ key: DigestKey, inRun: SQLiteConnection.Statement, read: (SQLiteConnection.Statement) -> T) -> T? {
            var segments = filter.segmentsThatMightContain(key)
            guard segments != 0 else { return nil }
            do throws(StoreError) {
                var sought = runEnds.count  // runs below this one are still to seek
                while segments != 0 {
                    let segment = 63 - segments.leadingZeroBitCount  // the newest matching segment
                    segments &= ~(1 << UInt64(segment))
                    let positions = filter.positions(ofSegment: segment)
                    guard !positions.isEmpty else { continue }
                    // The runs holding the segment's keys, from its last key's down to its first's.
                    let top = min(run(holding: positions.upperBound - 1), sought - 1)
                    let bottom = run(holding: positions.lowerBound)
                    guard top >= bottom else { continue }
                    for run in stride(from: top, through: bottom, by: -1) {
                        defer { inRun.reset() }
                        inRun.bind(1, Int64(run))
                        inRun.bind(2, key)
                        if try inRun.step() { return read(inRun) }
                    }
                    sought = bottom
                }
                return nil
            } catch {
                if failure == nil { failure = error }
                return nil
            }
        }

        /// The run holding row `position` (the first whose rows end after it; the number of runs
        /// when it is past the last), by binary search.
        func run(holding position: Int) -> Int {
            var (low, high) = (0, runEnds.count)
            while low < high {
                let middle = (low + high) / 2
                if runEnds[middle] > position { high = middle } else { low = middle + 1 }
            }
            return low
        }

        /// `(?, ?, …), …`: `rows` rows of `columns` parameters, for a multi-row INSERT.
        static func placeholders(rows: Int, columns: Int) -> String {
            let row = "(" + Array(repeating: "?", count: columns).joined(separator: ", ") + ")"
            return Array(repeating: row, count: rows).joined(separator: ", ")
        }

        /// Inserts `rows` with `batch` (``HistoryFile/rowsPerInsert`` rows at once) and `single`
        /// for the rest; `bind` binds one row from its first parameter's index.
        func insert<Row>(_ rows: [Row], columns: Int32, batch: SQLiteConnection.Statement, single: SQLiteConnection.Statement,
                         bind: (SQLiteConnection.Statement, Int32, Row) -> Void) throws(StoreError) {
            var start = 0
            while start < rows.count {
                let count = rows.count - start >= HistoryFile.rowsPerInsert ? HistoryFile.rowsPerInsert : 1
                let statement = count == 1 ? single : batch
                defer { statement.reset() }
                for offset in 0..<count { bind(statement, Int32(offset) * columns + 1, rows[start + offset]) }
                _ = try statement.step()
                start += count
            }
        }

        /// `PRAGMA user_version` of `connection` (0 for a file created just now).
        static func userVersion(_ connection: SQLiteConnection) throws(StoreError) -> Int64 {
            let statement = try connection.prepare("PRAGMA user_version")
            defer { statement.reset() }  // no read left open: the journal mode is set next
            guard try statement.step() else { return 0 }
            return statement.int(0)
        }
    }

    /// Opens the file at `path`, creating an empty one. One that cannot be opened or is of
    /// another version is removed and created anew (it is derived); `note` says so.
    package static func open(path: String) throws(StoreError) -> (file: HistoryFile, note: String?) {
        let problem: String
        do {
            let file = try HistoryFile(path: path)
            // Storage refuses another version; 0 is a file created just now.
            guard try file.userVersion() == 0 else { return (file, try file.loadFilter()) }
            try file.stamp()
            return (file, nil)
        } catch {
            problem = error.message
        }
        try remove(path: path)
        let file = try HistoryFile(path: path)
        try file.stamp()
        return (file, "the writer's state file \(path) could not be used (\(problem)); it was rebuilt from the log")
    }

    private init(path: String) throws(StoreError) {
        self.path = path
        storage = Mutex(try Storage(path: path))
    }

    private func stamp() throws(StoreError) {
        try storage.withLock { storage throws(StoreError) in try storage.connection.execute("PRAGMA user_version = \(Self.version)") }
    }

    private func userVersion() throws(StoreError) -> Int64 {
        try storage.withLock { storage throws(StoreError) -> Int64 in try Storage.userVersion(storage.connection) }
    }

    /// Reads the key filter, or builds it from the tables' keys and stores it when it is missing
    /// or damaged (the note says when it was damaged).
    private func loadFilter() throws(StoreError) -> String? {
        try storage.withLock { storage throws(StoreError) -> String? in
            let read = try storage.connection.prepare("SELECT segment, count, words, digest FROM keyfilter ORDER BY segment")
            defer { read.reset() }  // a read stopped early must not hold its transaction open
            var filter = HistoryKeyFilter()
            var problem: String?
            while problem == nil, try read.step() {
                let index = filter.segments.count
                guard index < HistoryKeyFilter.maxSegments else {
                    problem = "the key filter in \(path) has more than \(HistoryKeyFilter.maxSegments) segments; it was rebuilt from the history's rows"
                    break
                }
                let count = read.int(1)
                let digest = read.blob(3)
                let fits = read.withBlob(2) { words in
                    read.int(0) == Int64(index) && digest == HistoryKeyFilter.digest(index: index, count: Int(count), words: words)
                        && filter.appendStored(count: count, words: words)
                }
                if !fits { problem = "segment \(index) of the key filter in \(path) did not match its digest (it was edited, or damaged); the filter was rebuilt from the history's rows" }
            }
            let rows = storage.runEnds.last ?? 0
            if problem == nil, !filter.segments.isEmpty, filter.count != rows {
                problem = "the key filter in \(path) holds \(filter.count) keys where the history's runs hold \(rows) rows; the filter was rebuilt from the rows"
            }
            if problem == nil, !filter.segments.isEmpty {
                filter.markStored()
                storage.filter = filter
                return nil
            }
            // In the order a flush inserts them: run by run, its events, then its exchanges.
            filter = HistoryKeyFilter()
            let keysOf = [try storage.connection.prepare("SELECT key FROM events WHERE run = ?"),
                          try storage.connection.prepare("SELECT key FROM exchanges WHERE run = ?")]
            for run in 0..<storage.runEnds.count {
                for (table, keys) in zip(["events", "exchanges"], keysOf) {
                    defer { keys.reset() }
                    keys.bind(1, Int64(run))
                    while try keys.step() {
                        let bytes = keys.blob(0)
                        guard let key = DigestKey(bytes: bytes) else {
                            throw StoreError(.damaged, "\(path): a key in table \(table) is \(bytes.count) bytes, not 16")
                        }
                        filter.insert(key)
                    }
                }
                let start = run > 0 ? storage.runEnds[run - 1] : 0
                guard filter.count == storage.runEnds[run] else {
                    throw StoreError(.damaged, "\(path): run \(run) holds \(filter.count - start) rows where table runs counts \(storage.runEnds[run] - start)")
                }
            }
            storage.filter = filter
            try storage.connection.execute("BEGIN IMMEDIATE; DELETE FROM keyfilter")
            do throws(StoreError) {
                try Self.storeFilter(storage)
                try storage.connection.execute("COMMIT")
            } catch {
                try? storage.connection.execute("ROLLBACK")
                throw error
            }
            storage.filter.markStored()
            return problem
        }
    }

    /// Writes the filter's segments changed since it was last stored (inside the caller's
    /// transaction; the caller marks them stored once it commits).
    private static func storeFilter(_ storage: Storage) throws(StoreError) {
        let filter = storage.filter
        guard let first = filter.firstUnstored else { return }
        for index in first..<filter.segments.count {
            let segment = filter.segments[index]
            let statement = storage.writeFilter
            defer { statement.reset() }
            let stepped = segment.words.withUnsafeBytes { words -> Result<Bool, StoreError> in
                statement.bind(1, Int64(index))
                statement.bind(2, Int64(segment.count))
                statement.bind(3, borrowing: words)  // stepped before the words go away
                statement.bind(4, HistoryKeyFilter.digest(index: index, count: segment.count, words: words))
                return Result { () throws(StoreError) in try statement.step() }
            }
            _ = try stepped.get()
        }
    }

    /// Removes the file and its WAL companions.
    static func remove(path: String) throws(StoreError) {
        for file in [path, path + "-wal", path + "-shm"] where unlink(file) != 0 && errno != ENOENT {
            throw StoreError.io("remove", file, errno: errno)
        }
    }

    /// Closes the file (its WAL is folded in); lookups after this fail.
    package func close() {
        storage.withLock { $0.connection.close() }
    }

    /// Empties the file (every row and the snapshot), before a rebuild from the log.
    func clear() throws(StoreError) {
        try storage.withLock { storage throws(StoreError) in
            try storage.connection.execute("BEGIN; DELETE FROM snapshot; DELETE FROM runs; DELETE FROM events; DELETE FROM exchanges; DELETE FROM keyfilter; PRAGMA user_version = \(Self.version); COMMIT")
            storage.filter = HistoryKeyFilter()
            storage.runEnds = []
        }
    }

    // MARK: - The snapshot

    /// The digest binding a snapshot to its position (see the type's contract).
    static func digest(size: Int64, leaf: Hash32, state: [UInt8], recent: [UInt8]) -> [UInt8] {
        var context = HashContext(.sha256)
        context.update(Array("flowledger/v1/writer-snapshot\n".utf8))
        var littleEndian = UInt64(bitPattern: size).littleEndian
        withUnsafeBytes(of: &littleEndian) { context.update($0) }
        context.update(leaf)
        context.update(state)
        context.update(recent)
        return context.finish().bytes
    }

    /// The snapshot, if there is one whose digest holds; otherwise nil and why.
    func snapshot() throws(StoreError) -> (snapshot: Snapshot?, problem: String?) {
        try storage.withLock { storage throws(StoreError) -> (Snapshot?, String?) in
            let statement = storage.readSnapshot
            defer { statement.reset() }
            guard try statement.step() else { return (nil, nil) }
            let size = statement.int(0)
            let leafBytes = statement.blob(1)
            let state = statement.blob(2)
            let recent = statement.blob(3)
            guard leafBytes.count == 32 else { return (nil, "its leaf hash is \(leafBytes.count) bytes, not 32") }
            let leaf = leafBytes.withUnsafeBytes { Hash32(copying: $0) }
            guard statement.blob(4) == Self.digest(size: size, leaf: leaf, state: state, recent: recent) else {
                return (nil, "its digest does not match its contents (it was edited, or damaged)")
            }
            return (Snapshot(size: size, leaf: leaf, state: state, recent: recent), nil)
        }
    }

    /// Keeps the snapshot of a position with `recent`, the rows of the history since the last
    /// ``flush(_:size:leaf:state:)``, beside it instead of in the tables (see the type's
    /// contract): one row written, atomically.
    func save(size: Int64, leaf: Hash32, state: [UInt8], recent: [UInt8]) throws(StoreError) {
        try storage.withLock { storage throws(StoreError) in
            try Self.writeSnapshot(storage, size: size, leaf: leaf, state: state, recent: recent)
        }
    }

    private static func writeSnapshot(_ storage: Storage, size: Int64, leaf: Hash32, state: [UInt8], recent: [UInt8]) throws(StoreError) {
        let statement = storage.writeSnapshot
        defer { statement.reset() }
        statement.bind(1, size)
        statement.bind(2, leaf.bytes)
        statement.bind(3, state)
        statement.bind(4, recent)
        statement.bind(5, digest(size: size, leaf: leaf, state: state, recent: recent))
        _ = try statement.step()
    }

    /// Writes the rows `state` gathered since its last write, with a snapshot of its position,
    /// and makes this file its history from then on (``LedgerState/attach(history:)``): what
    /// a replay at open does whenever its rows reach the writer's interval, and at its end.
    func keep(_ state: inout LedgerState) throws(StoreError) {
        try flush(HistoryDelta(recentIn: state), size: state.size, leaf: state.lastLeafHash, state: state.snapshotBytes())
        state.attach(history: self)
    }

    /// Writes `delta`'s rows as a new run (see the type's contract; none when it has no rows)
    /// and the snapshot of the position they bring the history to (no rows beside it), in one
    /// transaction: all of it or, on failure, none.
    package func flush(_ delta: HistoryDelta, size: Int64, leaf: Hash32, state: [UInt8]) throws(StoreError) {
        try storage.withLock { storage throws(StoreError) in
            let connection = storage.connection
            let run = storage.nextRun
            let rows = delta.events.count + delta.exchanges.count
            // Restored if the write fails, so the filter's keys stay those of the runs' rows (a
            // copy shares the segments until this write changes the last: one copy of it).
            let filterBefore = storage.filter
            try connection.execute("BEGIN IMMEDIATE")
            do throws(StoreError) {
                if rows > 0 {
                    let statement = storage.insertRun
                    defer { statement.reset() }
                    statement.bind(1, run)
                    statement.bind(2, Int64(rows))
                    _ = try statement.step()
                }
                // Sorted by key (``LedgerState/recentHistory()``): each insert lands after the last.
                for (key, _) in delta.events { storage.filter.insert(key) }
                for (key, _) in delta.exchanges { storage.filter.insert(key) }
                try storage.insert(delta.events, columns: 3, batch: storage.insertEvents, single: storage.insertEvent) { statement, first, row in
                    statement.bind(first, run)
                    statement.bind(first + 1, row.key)
                    statement.bind(first + 2, row.seq)
                }
                try storage.insert(delta.exchanges, columns: 5, batch: storage.writeExchanges, single: storage.writeExchange) { statement, first, row in
                    statement.bind(first, run)
                    statement.bind(first + 1, row.key)
                    statement.bind(first + 2, row.exchange.dataset)
                    statement.bind(first + 3, row.exchange.recipient)
                    statement.bind(first + 4, row.exchange.receivedAt)
                }
                try Self.writeSnapshot(storage, size: size, leaf: leaf, state: state, recent: [])
                // With the rows it covers.
                try Self.storeFilter(storage)
                try connection.execute("COMMIT")
                storage.filter.markStored()
                if rows > 0 { storage.runEnds.append((storage.runEnds.last ?? 0) + rows) }
            } catch {
                storage.filter = filterBefore
                try? connection.execute("ROLLBACK")
                throw error
            }
        }
    }

    // MARK: - RuleHistory

    package func eventSeq(_ key: DigestKey) -> Int64? {
        storage.withLock { storage -> Int64? in
            storage.find(key, inRun: storage.findEventInRun) { $0.int(0) }
        }
    }

    package func exchange(_ key: DigestKey) -> LedgerState.Exchange? {
        storage.withLock { storage -> LedgerState.Exchange? in
            storage.find(key, inRun: storage.findExchangeInRun) { row in
                LedgerState.Exchange(dataset: row.text(0), recipient: row.text(1), receivedAt: row.isNull(2) ? nil : row.int(2))
            }
        }
    }

    /// The first lookup that failed since the last call, if any (see ``RuleHistory``).
    func takeFailure() -> StoreError? {
        storage.withLock { storage -> StoreError? in
            defer { storage.failure = nil }
            return storage.failure
        }
    }
}

extension SQLiteConnection.Statement {
    /// Binds `key` as its stored 16 bytes (``DigestKey/bytes``), without building an array.
    func bind(_ index: Int32, _ key: DigestKey) {
        key.withStoredBytes { bind(index, copying: $0) }
    }
}
