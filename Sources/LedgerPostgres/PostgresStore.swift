import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore
import NIOCore
import PostgresNIO
import Synchronization

/// The log in PostgreSQL (DESIGN §12): one row per entry in `entries(seq, line)` with the exact
/// line bytes, everything else derived, and one fenced writer — the same ``LogAppender`` and
/// ``LogReader`` contracts as the segment files, kept by the database's transactions and
/// synchronous replication instead of fsync.
///
/// How it keeps the contracts:
/// - **One writer, fenced.** ``recover()`` takes an advisory lock on the primary and bumps
///   `log_head.epoch`. Every ``commit(_:)`` is one call of `flowledger_commit`, which locks the
///   head row and writes nothing unless the head still holds this writer's epoch, the group's
///   first seq and the last leaf hash this writer wrote. A deposed writer's group fails whole.
/// - **Durable means committed.** The call is a single statement in its own transaction, so it
///   returns only after COMMIT — on the primary and, with `synchronous_commit = on` and a
///   synchronous standby named, on the standby. No query is ever cancelled or timed out.
/// - **Unknown outcome steps down.** When the connection breaks while a commit is in flight the
///   group may or may not be in the log: the store stops taking commits, so the sequencer refuses
///   every later append, and a new writer (the same `serve` reopening, or another) re-reads the
///   head. Clients retry; a retried event gets its original receipt if it did land.
/// - **Nothing torn.** A transaction is whole or absent, so recovery has no torn line to cut;
///   it checks that `log_head` and `entries` agree and resumes from the state snapshot.
package final class PostgresStore: LogAppender, @unchecked Sendable {  // writer fields only on the sequencer's thread, after recover()
    /// Where the database is.
    package let address: PostgresAddress
    package let manifest: LedgerManifest
    /// The session reads go through (on the writer's server, for a writer).
    private let reads: PostgresSession
    /// The writer's own session (holds the advisory lock); nil for a reader.
    private let writes: PostgresSession?
    /// Names this writer in `log_head.writer` (host and process), for the messages of those it deposes.
    private let writerName: String
    private let tables = HistoryTables()
    private let feed: PostgresChangeFeed
    /// Set when a commit failed in a way only a new writer repairs (deposed, outcome unknown).
    private let stopped = Mutex<StoreError?>(nil)
    private let released = Mutex(false)
    // The writer's view of the head; set by recover(), moved by each commit.
    private var epoch: Int64 = 0
    private var lastLeaf: Hash32?

    /// The writer's epoch once ``recover()`` elected it (0 before, and for a reader).
    package var writerEpoch: Int64 { epoch }

    /// Whether this store was opened to append.
    package var isWriter: Bool { writes != nil }

    package var history: any RuleHistory { tables }

    private init(address: PostgresAddress, manifest: LedgerManifest, reads: PostgresSession, writes: PostgresSession?, writerName: String) {
        self.address = address
        self.manifest = manifest
        self.reads = reads
        self.writes = writes
        self.writerName = writerName
        self.feed = PostgresChangeFeed(address: address, preferring: reads.host)
    }

    deinit { close() }

    // MARK: - Opening

    /// Creates the schema if it is missing and the empty log of the ledger `manifest` describes
    /// (its genesis not yet appended), then opens it to append.
    /// - Throws: ``StoreError/Code/alreadyExists`` when the database already holds a ledger.
    package static func create(address: PostgresAddress, manifest: LedgerManifest, writerName: String) throws(StoreError) -> PostgresStore {
        let session = try connect(address, writable: true)
        do {
            try PostgresSchema.install(on: session, address: address)
            let inserted = try session.query("""
                WITH made AS (INSERT INTO ledger (id, manifest) VALUES (1, \(ByteBuffer(bytes: manifest.bytes))) ON CONFLICT (id) DO NOTHING RETURNING id)
                INSERT INTO log_head (id, next_seq, epoch) SELECT 1, 0, 0 FROM made RETURNING id
                """, doing: "creating the ledger in \(address)")
            guard !inserted.isEmpty else {
                throw StoreError(.alreadyExists, "\(address) already holds a ledger; refusing to initialize over it (export it with `flowledger export --store`, or use another database)")
            }
        } catch let error as PostgresFailure {
            session.close()
            throw error.storeError()
        } catch let error as StoreError {
            session.close()
            throw error
        } catch {
            session.close()
            throw StoreError(.io, "\(address): \(error)")
        }
        session.close()
        return try open(address: address, writerName: writerName)
    }

    /// Opens the ledger in `address` to append, on its primary. Call ``recover()`` (which elects
    /// this writer) before anything else.
    package static func open(address: PostgresAddress, writerName: String) throws(StoreError) -> PostgresStore {
        let writes = try connect(address, writable: true)
        let reads: PostgresSession
        do {
            reads = try PostgresSession.connect(address, host: writes.host)
        } catch {
            writes.close()
            throw error.storeError()
        }
        do {
            let manifest = try readManifest(reads, address: address)
            return PostgresStore(address: address, manifest: manifest, reads: reads, writes: writes, writerName: writerName)
        } catch {
            reads.close()
            writes.close()
            throw error
        }
    }

    /// Opens the ledger in `address` to read, on the first server that answers (a standby
    /// serves reads as well as the primary).
    package static func openReader(address: PostgresAddress) throws(StoreError) -> PostgresStore {
        let reads = try connect(address, writable: false)
        do {
            let manifest = try readManifest(reads, address: address)
            return PostgresStore(address: address, manifest: manifest, reads: reads, writes: nil, writerName: "")
        } catch {
            reads.close()
            throw error
        }
    }

    private static func connect(_ address: PostgresAddress, writable: Bool) throws(StoreError) -> PostgresSession {
        do { return try PostgresSession.connect(address, writable: writable) } catch { throw error.storeError() }
    }

    private static func readManifest(_ session: PostgresSession, address: PostgresAddress) throws(StoreError) -> LedgerManifest {
        guard try PostgresSchema.installedVersion(session, address: address) != nil else {
            throw StoreError(.notALedger, "\(address) holds no FlowLedger ledger (no schema); create one with `flowledger init --store \(address) …`")
        }
        let rows: [PostgresRow]
        do { rows = try session.query("SELECT manifest FROM ledger WHERE id = 1", doing: "reading the ledger's manifest from \(address)") } catch { throw error.storeError() }
        guard let row = rows.first else {
            throw StoreError(.notALedger, "\(address) has the schema but no ledger; create one with `flowledger init --store \(address) …`")
        }
        do {
            let bytes = try row.decoded(ByteBuffer.self, "manifest").allBytes
            return try LedgerManifest(bytes: bytes, path: "\(address) table ledger")
        } catch let error as PostgresFailure {
            throw error.storeError()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.damaged, "\(address): \(error)")
        }
    }

    // MARK: - LogReader

    /// `log_head.next_seq`: every entry below it is committed.
    package func size() throws(StoreError) -> Int64 {
        try head().nextSeq
    }

    /// The head row: the next seq, the last leaf hash, the writer's epoch and name.
    package func head() throws(StoreError) -> (nextSeq: Int64, lastLeaf: [UInt8]?, epoch: Int64, writer: String?) {
        do throws(PostgresFailure) {
            guard let row = try reads.query("SELECT next_seq, last_leaf, epoch, writer FROM log_head WHERE id = 1", doing: "reading the log's head in \(address)").first else {
                throw PostgresFailure.unexpected("\(address): log_head has no row; the schema was not created by `flowledger init --store`")
            }
            let (next, leaf, epoch, writer) = try row.decoded((Int64, ByteBuffer?, Int64, String?).self, "log_head")
            return (next, leaf?.allBytes, epoch, writer)
        } catch {
            throw error.storeError()
        }
    }

    /// The URL the current writer's `serve` takes appends at (``advertise(url:)``), for the
    /// front ends that hand their appends to it; nil when the writer serves none.
    package func writerURL() throws(StoreError) -> String? {
        do {
            return try reads.query("SELECT writer_url FROM log_head WHERE id = 1", doing: "reading the writer's URL in \(address)")
                .first?.decoded(String?.self, "log_head.writer_url")
        } catch {
            throw error.storeError()
        }
    }

    package func lines(in range: Range<Int64>) throws(StoreError) -> [[UInt8]] {
        guard !range.isEmpty else { return [] }
        let rows: [PostgresRow]
        do {
            rows = try reads.query("SELECT seq, line FROM entries WHERE seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq",
                                   doing: "reading entries \(range.lowerBound)..<\(range.upperBound) from \(address)")
        } catch {
            throw error.storeError()
        }
        guard rows.count == range.count else {
            throw StoreError(.outOfRange, "\(address): entries \(range.lowerBound)..<\(range.upperBound) do not all exist; \(rows.count) of \(range.count) were found")
        }
        var lines: [[UInt8]] = []
        lines.reserveCapacity(rows.count)
        for (offset, row) in rows.enumerated() {
            let (seq, line): (Int64, ByteBuffer)
            do { (seq, line) = try row.decoded((Int64, ByteBuffer).self, "entries") } catch { throw error.storeError() }
            guard seq == range.lowerBound + Int64(offset) else {
                throw StoreError(.damaged, "\(address): table entries has a gap before seq \(seq) (expected \(range.lowerBound + Int64(offset))); entries is the source of truth and must hold every seq")
            }
            lines.append(line.allBytes)
        }
        return lines
    }

    package func readHashes(at indexes: [Int64]) throws -> [Hash32] {
        guard !indexes.isEmpty else { return [] }
        let rows = try PostgresFailure.mapping { () throws(PostgresFailure) in
            try reads.query("SELECT idx, hash FROM stored_hashes WHERE idx = ANY(\(indexes))", doing: "reading stored hashes from \(address)")
        }
        var found: [Int64: Hash32] = [:]
        for row in rows {
            let (index, bytes) = try PostgresFailure.mapping { () throws(PostgresFailure) in try row.decoded((Int64, ByteBuffer).self, "stored_hashes") }
            guard let hash = try? Hash32(bytes: bytes.readableBytesView) else { throw StoreError(.damaged, "\(address): stored hash \(index) is \(bytes.readableBytes) bytes, not 32") }
            found[index] = hash
        }
        return try indexes.map { index throws(StoreError) in
            guard let hash = found[index] else { throw StoreError(.outOfRange, "\(address): stored hash \(index) does not exist") }
            return hash
        }
    }

    package func checkpointNote(size: Int64?) throws(StoreError) -> String? {
        do throws(PostgresFailure) {
            let rows = if let size {
                try reads.query("SELECT note FROM checkpoints WHERE size = \(size)", doing: "reading the checkpoint of size \(size) from \(address)")
            } else {
                try reads.query("SELECT note FROM checkpoints ORDER BY size DESC LIMIT 1", doing: "reading the latest checkpoint from \(address)")
            }
            return try rows.first?.decoded(String.self, "checkpoints")
        } catch {
            throw error.storeError()
        }
    }

    package func sizeChanges() -> AsyncStream<Int64> { feed.subscribe() }

    // MARK: - LogAppender

    package func recover() throws(StoreError) -> RecoveredLog {
        guard let writes else { throw StoreError(.locked, "\(address) was opened to read; open it as a writer to append") }
        try claim(writes)
        let head = try self.head()
        let hash = manifest.suite.hash
        try checkHead(head, hash: hash)
        epoch = head.epoch
        lastLeaf = head.lastLeaf.flatMap { try? Hash32(bytes: $0) }

        var report = RecoveryReport()
        var state = LedgerState(origin: manifest.origin)
        var first: Int64 = 0
        var replace = true
        if let resumed = try resumeFromSnapshot(size: head.nextSeq, into: tables) {
            state = resumed
            first = resumed.size
            replace = false
            report.resumedAt = resumed.size
        } else {
            tables.clear()
            if head.nextSeq > 0 { report.notes.append("no usable state snapshot in \(address); every entry was replayed") }
        }
        // Every committed line passed a sequencer that checked its signature: skipped here.
        var engine = first == 0 ? ReplayEngine(manifest: manifest, signatures: .skip)
            : ReplayEngine(resuming: state, hash: hash, signatures: .skip)
        var source = ReaderLineSource(store: self, range: first..<head.nextSeq)
        let outcome = try engine.run(from: &source) { _ in .proceed }
        if case .broken(let problem) = outcome { throw StoreError(.damaged, "\(address): \(problem)") }
        state = engine.state
        report.entries = state.size
        report.replayedEntries = state.size - first
        if state.recentEventCount > 0 || (replace && state.size > 0) { try flush(HistoryDelta(recentIn: state), state: state, replace: replace) }
        if state.size > 0 { state.attach(history: tables) }
        let frontier: TreeFrontier
        do {
            frontier = try TreeFrontier(size: state.size, reader: self)
        } catch {
            throw StoreError(.damaged, "\(address): the stored hashes do not cover its \(state.size) entries: \(error)")
        }
        return RecoveredLog(state: state, frontier: frontier, report: report)
    }

    /// Elects this writer: the advisory lock on the primary (held by its session), then a new
    /// epoch in `log_head`, which fences out every writer before it.
    private func claim(_ writes: PostgresSession) throws(StoreError) {
        do {
            let locked = try writes.query("SELECT pg_try_advisory_lock(\(PostgresSchema.writerLockKey))", doing: "taking the writer's lock in \(address)")
            guard try locked.first?.decoded(Bool.self, "pg_try_advisory_lock") == true else {
                let holder = (try? head()).map { "writer epoch \($0.epoch)\($0.writer.map { " (\($0))" } ?? "")" } ?? "another writer"
                throw StoreError(.locked, "\(address) is open by \(holder); a ledger has one writer at a time. Other front ends serve reads while it runs")
            }
            _ = try writes.query("UPDATE log_head SET epoch = epoch + 1, writer = \(writerName) WHERE id = 1", doing: "starting a new writer epoch in \(address)")
        } catch let error as PostgresFailure {
            throw error.storeError()
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(address): \(error)")
        }
    }

    /// Whether a writer holds the store's lock, as the server this store reads from sees it:
    /// known only on the primary (a standby sees none of the primary's locks); nil when the
    /// server is a standby or cannot tell. A front end asks before it tries to become the
    /// writer, which costs two new connections to the primary.
    package func writerLockHeld() -> Bool? {
        guard (try? reads.isInRecovery()) == false else { return nil }
        // pg_locks lists every database's locks; a bigint key shows as classid (its high 32 bits),
        // objid (its low 32 bits) and objsubid 1.
        let key = PostgresSchema.writerLockKey
        let (high, low) = (key >> 32, key & 0xFFFF_FFFF)
        return try? reads.query("""
            SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND classid::bigint = \(high) AND objid::bigint = \(low) AND objsubid = 1)
            """, doing: "asking whether the writer's lock is held in \(address)").first?.decoded(Bool.self, "pg_locks")
    }

    /// Records `url` as where this writer's `serve` takes appends, so other front ends hand
    /// theirs to it; only while this writer's epoch holds (a deposed writer's URL is never written).
    package func advertise(url: String) throws(StoreError) {
        guard let writes else { throw StoreError(.closed, "\(address) was opened to read") }
        do {
            _ = try writes.query("UPDATE log_head SET writer_url = \(url) WHERE id = 1 AND epoch = \(epoch)", doing: "recording the writer's URL in \(address)")
        } catch {
            throw error.storeError()
        }
    }

    /// Where a follower of this log starts (``LedgerFollower``): the writer's state snapshot with
    /// the rules' history up to it, read without electing anyone; nil state when there is no
    /// usable snapshot (the follower replays from genesis).
    package func followerStart() throws(StoreError) -> (state: LedgerState?, history: HistoryTables) {
        let history = HistoryTables()
        return (try resumeFromSnapshot(size: try size(), into: history), history)
    }

    /// Checks that `entries` ends where `log_head` says, with the leaf hash it records.
    private func checkHead(_ head: (nextSeq: Int64, lastLeaf: [UInt8]?, epoch: Int64, writer: String?), hash: HashAlgorithm) throws(StoreError) {
        let last: Int64?
        do {
            last = try reads.query("SELECT max(seq) FROM entries", doing: "reading the end of the log in \(address)").first?.decoded(Int64?.self, "max(seq)")
        } catch {
            throw error.storeError()
        }
        guard (last ?? -1) + 1 == head.nextSeq else {
            throw StoreError(.damaged, "\(address): log_head says the log has \(head.nextSeq) entries, but table entries ends at seq \(last.map(String.init) ?? "none"); entries is the source of truth: export it (`flowledger export --store`) and run `flowledger verify` on the export")
        }
        if head.nextSeq > 0 {
            let line = try lines(in: (head.nextSeq - 1)..<head.nextSeq)[0]
            guard head.lastLeaf == Entry.leafHash(line: line, hash: hash).bytes else {
                throw StoreError(.damaged, "\(address): log_head's last leaf hash is not that of entry \(head.nextSeq - 1); the head was changed by hand or the entry was rewritten. Export the log and run `flowledger verify` on the export")
            }
        }
    }

    /// The rules' state at the snapshot, with the history chunks up to it loaded; nil when there
    /// is none or it does not fit the log.
    private func resumeFromSnapshot(size: Int64, into tables: HistoryTables) throws(StoreError) -> LedgerState? {
        do {
            guard let row = try reads.query("SELECT size, leaf, state FROM writer_snapshot WHERE id = 1", doing: "reading the writer's snapshot in \(address)").first else { return nil }
            let (snapshotSize, leafBuffer, stateBuffer) = try row.decoded((Int64, ByteBuffer, ByteBuffer).self, "writer_snapshot")
            let (leaf, stateBytes) = (leafBuffer.allBytes, stateBuffer.allBytes)
            guard snapshotSize >= 1, snapshotSize <= size,
                  Entry.leafHash(line: try lines(in: (snapshotSize - 1)..<snapshotSize)[0], hash: manifest.suite.hash).bytes == leaf else { return nil }
            tables.clear()
            let chunks = try reads.query("SELECT upto, rows FROM history_chunks WHERE upto <= \(snapshotSize) ORDER BY upto", doing: "reading the rules' history from \(address)")
            for chunk in chunks {
                let (upto, bytes) = try chunk.decoded((Int64, ByteBuffer).self, "history_chunks")
                tables.apply(try HistoryDelta.decodeRows(bytes.allBytes, what: "\(address) history_chunks upto \(upto)"))
            }
            guard let state = try? LedgerState(snapshot: stateBytes, history: tables), state.size == snapshotSize else { return nil }
            return state
        } catch let error as PostgresFailure {
            throw error.storeError()
        } catch let error as StoreError {
            throw error
        } catch {
            return nil
        }
    }

    package func commit(_ group: SequencedGroup) throws(StoreError) {
        if let stopped = stopped.withLock({ $0 }) { throw stopped }
        guard let writes else { throw StoreError(.closed, "\(address) was opened to read") }
        var lines: [ByteBuffer] = []
        lines.reserveCapacity(group.count)
        var start = 0
        for length in group.lengths {
            lines.append(ByteBuffer(bytes: group.bytes[start..<(start + Int(length))]))
            start += Int(length) + 1
        }
        let lastLength = Int(group.lengths[group.count - 1])
        let lastTime = try? Entry(line: group.bytes[(group.bytes.count - 1 - lastLength)..<(group.bytes.count - 1)]).time.text
        let previous = lastLeaf.map { ByteBuffer(bytes: $0.bytes) }
        let newLeaf = ByteBuffer(bytes: group.leafHashes[group.count - 1].bytes)
        let hashes = group.storedHashes.map { ByteBuffer(bytes: $0.bytes) }
        do throws(PostgresFailure) {
            _ = try writes.query("""
                SELECT flowledger_commit(\(epoch), \(group.firstSeq), \(previous), \(lines), \(group.firstStoredIndex), \(hashes), \(newLeaf), \(lastTime))
                """, doing: "committing entries \(group.firstSeq)..<\(group.firstSeq + Int64(group.count)) to \(address)")
        } catch {
            switch error {
            case .server(let state, _) where state == PostgresFailure.deposedState:
                let deposed = StoreError(.locked, "\(error.message). This writer stepped down; its clients' retries go to the writer that holds the log")
                stop(deposed)
                throw deposed
            case .server:
                throw error.storeError()  // rolled back: nothing of the group was written
            case .connectionLost, .unexpected:
                let unknown = StoreError(.io, "\(error.message). Whether entries \(group.firstSeq)..<\(group.firstSeq + Int64(group.count)) were committed is unknown, so this writer stepped down; a new writer re-reads the head, and appending the same events again returns their receipts if they were")
                stop(unknown)
                throw unknown
            }
        }
        lastLeaf = group.leafHashes[group.count - 1]
    }

    private func stop(_ error: StoreError) {
        stopped.withLock { if $0 == nil { $0 = error } }
    }

    /// Why this writer stopped taking commits (deposed, or a commit of unknown outcome), if it did.
    package var stopReason: StoreError? { stopped.withLock { $0 } }

    package func flush(history delta: HistoryDelta, state: LedgerState) throws(StoreError) {
        try flush(delta, state: state, replace: false)
    }

    /// Writes `delta` as one history chunk and `state` as the snapshot, in one fenced
    /// transaction; `replace` first drops every chunk (after a full replay).
    private func flush(_ delta: HistoryDelta, state: LedgerState, replace: Bool) throws(StoreError) {
        guard let writes else { throw StoreError(.closed, "\(address) was opened to read") }
        do {
            _ = try writes.query("""
                SELECT flowledger_flush(\(epoch), \(replace), \(state.size), \(ByteBuffer(bytes: delta.encodedRows())), \(ByteBuffer(bytes: state.lastLeafHash.bytes)), \(ByteBuffer(bytes: state.snapshotBytes())))
                """, doing: "writing the rules' history and state snapshot to \(address)")
        } catch {
            throw error.storeError()
        }
        tables.apply(delta)
    }

    package func takeHistoryFailure() -> StoreError? { nil }

    package func publish(checkpoint note: String, size: Int64) throws(StoreError) {
        guard let writes else { throw StoreError(.closed, "\(address) was opened to read") }
        do {
            _ = try writes.query("INSERT INTO checkpoints (size, note) VALUES (\(size), \(note)) ON CONFLICT (size) DO UPDATE SET note = EXCLUDED.note",
                                 doing: "publishing the checkpoint of size \(size) to \(address)")
        } catch {
            throw error.storeError()
        }
    }

    package func close() {
        let release = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard release else { return }
        feed.stop()
        if let writes {
            // Released here rather than left to the session's end, which the server sees a moment
            // after the client has closed: a writer opened next must find the lock free.
            _ = try? writes.query("SELECT pg_advisory_unlock_all()", doing: "releasing the writer's lock")
            writes.close()
        }
        reads.close()
    }
}

extension PostgresFailure {
    /// Runs `body`, turning a ``PostgresFailure`` into a ``StoreError``.
    static func mapping<T>(_ body: () throws(PostgresFailure) -> T) throws(StoreError) -> T {
        do { return try body() } catch { throw error.storeError() }
    }
}

extension PostgresStore {
    /// The sizes of every published checkpoint, smallest first.
    package func checkpointSizes() throws(StoreError) -> [Int64] {
        do {
            return try reads.query("SELECT size FROM checkpoints ORDER BY size", doing: "listing the checkpoints of \(address)").map { row throws(PostgresFailure) in
                try row.decoded(Int64.self, "checkpoints.size")
            }
        } catch {
            throw error.storeError()
        }
    }
}

extension PostgresStore {
    /// Grants `role` the privileges the application needs (``PostgresSchema/grants(to:)``);
    /// run as the schema's owner.
    package func grant(to role: String) throws(StoreError) {
        let session = writes ?? reads
        for statement in PostgresSchema.grants(to: role) {
            do { _ = try session.query(PostgresQuery(unsafeSQL: statement), doing: "granting \(role) its privileges in \(address)") } catch { throw error.storeError() }
        }
    }
}

extension PostgresStore: ServedLog {
    /// The store's address (without its password).
    package var name: String { address.description }
}

extension PostgresStore {
    /// What in the database's settings breaks DESIGN §12's "durable means committed on the
    /// primary and a synchronous standby": `synchronous_commit` off or local, or no synchronous
    /// standby named. Empty when it is so configured.
    package func replicationWarnings() throws(StoreError) -> [String] {
        do {
            let commit = try reads.query("SHOW synchronous_commit", doing: "reading synchronous_commit").first?.decoded(String.self, "synchronous_commit") ?? ""
            let standbys = try reads.query("SHOW synchronous_standby_names", doing: "reading synchronous_standby_names").first?.decoded(String.self, "synchronous_standby_names") ?? ""
            var warnings: [String] = []
            if ["off", "local"].contains(commit) {
                warnings.append("synchronous_commit is \(commit) on \(address): an acknowledged append can be lost in a crash; set synchronous_commit = on")
            }
            if standbys.trimmingCharacters(in: .whitespaces).isEmpty {
                warnings.append("no synchronous standby is named on \(address) (synchronous_standby_names is empty): an acknowledged append lives on one machine only and is lost with it; name a standby (DESIGN §12)")
            }
            return warnings
        } catch {
            throw error.storeError()
        }
    }
}
