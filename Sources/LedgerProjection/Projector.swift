import Foundation
import GRDB
import LedgerCore
import LedgerCrypto
import LedgerStore
import Synchronization

/// Folds a ledger's log into the views of `views.sqlite` (DESIGN §9) and keeps them caught up:
/// parties, datasets, grants, exchanges, flows, violations (P1–P7, through the verifier's own
/// ``PolicyChecker``), quality reports and audit findings.
///
/// Each transaction writes the rows of a batch of entries **and** the position after them
/// (count, leaf hash of the last entry, origin and genesis hash), so a crash at any point leaves
/// the views exactly at their recorded position, and the next catch-up continues from there.
/// A file that is missing, of another schema, from another ledger (origin or genesis hash) or
/// ahead of the log (position beyond it, or a leaf hash that differs) is rebuilt from scratch,
/// with a note saying why.
///
/// ```swift
/// let projector = try Projector(directory: "/var/lib/flowledger/exchange")
/// let result = try projector.catchUp()        // rebuilds if needed; result.notes says why
/// for flow in try projector.views.flows() { print(flow.provider, "→", flow.recipient, flow.records) }
/// ```
///
/// A projector may be shared between tasks: catch-ups run one at a time, and ``views`` and
/// ``digest()`` read the database while a catch-up writes (SQLite's WAL keeps them consistent).
public final class Projector: Sendable {
    /// The log read: a ledger directory's segment files, or a store's log.
    package let log: any ServedLog
    /// The SQLite file, or nil for an in-memory database.
    public let path: String?
    /// How it works.
    public let options: ProjectorOptions
    /// The database queue. A catch-up replaces it when the file turns out not to be a database,
    /// so it is read under its own lock (held only to copy the reference, never while the queue
    /// is used): ``views`` need not wait for a catch-up.
    private let currentDatabase: Mutex<DatabaseQueue>
    /// What one catch-up hands the next; held for the whole of a catch-up, so they run one at
    /// a time.
    private let progress: Mutex<Progress>

    /// The database queue now (see `currentDatabase`).
    var database: DatabaseQueue { currentDatabase.withLock { $0 } }

    /// The state a catch-up carries on from.
    private struct Progress: Sendable {
        /// The policy fold and where it stands.
        var fold: FoldState
        /// Notes from opening the file, reported by the next catch-up.
        var openingNotes: [String]
    }

    /// A projector of the ledger at `directory` into `<directory>/views.sqlite` (created if
    /// missing). Nothing is projected until ``catchUp()``.
    public convenience init(directory: String, options: ProjectorOptions = ProjectorOptions()) throws {
        let reader: LedgerReader
        do { reader = try LedgerReader(directory: directory) } catch { throw ProjectionError(error) }
        try self.init(reader: reader, path: reader.layout.views, options: options)
    }

    /// A projector of `reader`'s ledger into the SQLite file at `path` (nil: in memory, as
    /// `verify --views` recomputes the views it compares).
    public convenience init(reader: LedgerReader, path: String?, options: ProjectorOptions = ProjectorOptions()) throws {
        try self.init(log: DirectoryLog(reader), path: path, options: options)
    }

    /// A projector of `log` (a directory's, or a PostgreSQL store's) into the SQLite file at
    /// `path` (nil: in memory).
    package init(log: any ServedLog, path: String?, options: ProjectorOptions = ProjectorOptions()) throws {
        self.log = log
        self.path = path
        self.options = options
        let database: DatabaseQueue
        var notes: [String] = []
        do {
            database = try Self.openDatabase(path)
        } catch let error as ProjectionError {
            guard let path, error.unreadable else { throw error }
            // Not a database at all: start a new file (it is derived, DESIGN §9).
            notes.append("\((path as NSString).lastPathComponent) is not a readable SQLite database (\(error.message)); rebuilt from the log")
            try Self.removeFiles(path)
            database = try Self.openDatabase(path)
        }
        currentDatabase = Mutex(database)
        progress = Mutex(Progress(fold: FoldState(acknowledgementWindow: options.acknowledgementWindow), openingNotes: notes))
    }

    /// The typed views, read from this projector's database.
    public var views: ViewReader { ViewReader(database: database) }

    /// What a catch-up did.
    public struct CatchUp: Sendable {
        /// Why the file was rebuilt from scratch, or its kept policy state not used, if so (one
        /// sentence each).
        public let notes: [String]
        /// Entries projected by this call.
        public let projected: Int64
        /// The position after it: the number of entries the views cover.
        public let size: Int64
        /// The position at which this call read the policy fold back from the views
        /// (``PolicyState``): a new projector on an existing file, or one another projector had
        /// overtaken. nil when it went on from its own fold, or from genesis.
        public let resumedAt: Int64?
    }

    /// Brings the views up to the end of the log as it is now (or to its first `limit` entries),
    /// rebuilding them first if they do not belong to it.
    @discardableResult
    public func catchUp(limit: Int64? = nil) throws -> CatchUp {
        try progress.withLock { progress throws -> CatchUp in
            let logSize: Int64
            do { logSize = try log.size() } catch let error as StoreError { throw ProjectionError(error) }  // damage stays damage (exit 1)
            let size = min(logSize, max(1, limit ?? logSize))
            guard logSize > 0 else { throw ProjectionError("\(log.name): the log has no entries; nothing to project") }
            let genesisLine = try line(0)
            let genesisHash = Entry.leafHash(line: genesisLine, hash: log.hash).hex
            var notes = progress.openingNotes
            progress.openingNotes = []
            var position = try readPosition(notes: &notes)
            if let problem = try mismatch(position, genesisHash: genesisHash, size: logSize) {
                notes.append(problem)
                position = nil
            }
            if position == nil {
                try resetSchema(genesisHash: genesisHash)
                progress.fold = FoldState(acknowledgementWindow: options.acknowledgementWindow)
            }
            var resumedAt: Int64?
            let projected = try project(to: size, fold: &progress.fold, resumedAt: &resumedAt, notes: &notes)
            return CatchUp(notes: notes, projected: projected, size: size, resumedAt: resumedAt)
        }
    }

    /// Drops every view and projects the whole log again.
    @discardableResult
    public func rebuild() throws -> CatchUp {
        try progress.withLock { _ in
            try database.write { db in try db.execute(sql: ViewSchema.drop) }
        }
        let result = try catchUp()
        return CatchUp(notes: ["rebuilt on request"] + result.notes,
                       projected: result.projected, size: result.size, resumedAt: result.resumedAt)
    }

    /// The digest of the views as they are in the database now (see ``ViewDigest``).
    public func digest() throws -> ViewDigest {
        try database.read { db in try ViewDigest(db, hash: log.hash) }
    }

    // MARK: - Position

    private func readPosition(notes: inout [String]) throws -> ViewPosition? {
        do {
            return try database.read { db in try ViewPosition.fetch(db) }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            // Not a database at all: start a new file (it is derived, DESIGN §9).
            notes.append("\(path.map { ($0 as NSString).lastPathComponent } ?? "views") is not a readable SQLite database (\(error.message ?? "\(error.resultCode)")); rebuilt from the log")
            try Self.removeFiles(path)
            let reopened = try Self.openDatabase(path)
            currentDatabase.withLock { $0 = reopened }
            return nil
        } catch {
            throw ProjectionError("\(path ?? "views"): cannot read the projector's position: \(error); delete the file to rebuild it")
        }
    }

    /// Why the file at `position` cannot be continued, or nil if it can.
    private func mismatch(_ position: ViewPosition?, genesisHash: String, size: Int64) throws -> String? {
        guard let position else { return nil }
        let file = path.map { ($0 as NSString).lastPathComponent } ?? "views"
        if position.schemaVersion != ViewSchema.version {
            return "\(file) has schema version \(position.schemaVersion), this projector writes \(ViewSchema.version); rebuilt from the log"
        }
        let present = try database.read { db in try Set(String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type IN ('table', 'view')")) }
        if let missing = (ViewSchema.tables.map(\.name) + ["grant_status"]).first(where: { !present.contains($0) }) {
            return "\(file) has no table \(missing) (dropped outside the projector); rebuilt from the log"
        }
        if position.origin != log.manifest.origin || position.genesisHash != genesisHash {
            return "\(file) belongs to another ledger (origin \(position.origin), genesis \(position.genesisHash.prefix(16))…); rebuilt from the log"
        }
        if position.acknowledgementWindow != options.acknowledgementWindow {
            return "\(file) was built with another P7 window (\(position.acknowledgementWindow) µs); rebuilt from the log"
        }
        if position.size > size {
            return "\(file) covers \(position.size) entries but the log has \(size); rebuilt from the log"
        }
        if position.size > 0 {
            let hash = Entry.leafHash(line: try line(position.size - 1), hash: log.hash).hex
            if hash != position.lastHash {
                return "\(file) was built from a different entry \(position.size - 1) than the log holds (leaf hash \(position.lastHash ?? "none"), log \(hash)); rebuilt from the log"
            }
        }
        return nil
    }

    private func resetSchema(genesisHash: String) throws {
        try database.inTransaction(.immediate) { db in
            try db.execute(sql: ViewSchema.drop)
            try db.execute(sql: ViewSchema.create)
            try ViewPosition(origin: log.manifest.origin, genesisHash: genesisHash, size: 0, lastHash: nil, lastTime: nil,
                             acknowledgementWindow: options.acknowledgementWindow, schemaVersion: ViewSchema.version)
                .save(db, lastTimeMicroseconds: nil)
            return .commit
        }
    }

    // MARK: - Projecting

    /// Entries of a range of the log, parsed, with the leaf hashes of the first and last.
    private struct Parsed: Sendable {
        let entries: [Entry]
        /// L(first entry), for the link to the range before.
        let firstHash: Hash32
        /// L(last entry): what the next range's first `prev` must be.
        let lastHash: Hash32
    }

    /// A range of the log folded: the rows it writes and the position after it (leaf hash and
    /// time of its last entry).
    private struct Prepared: Sendable {
        let range: Range<Int64>
        let rows: RowBatch
        let lastHash: String
        let lastTime: Timestamp
    }

    /// The policy fold and where it stands.
    private struct FoldState: Sendable {
        var fold: ProjectionFold
        /// The entries the fold has seen (written by this projector, or read back from the views).
        var position: Int64
        /// The leaf hash of the last of them (zero before genesis), which the next entry's `prev`
        /// must be, and its time, which the next entry's may not precede; nil if unknown.
        var lastHash: Hash32?
        var lastTime: Timestamp?

        /// The fold before genesis.
        init(acknowledgementWindow: Int64) {
            self.init(fold: ProjectionFold(acknowledgementWindow: acknowledgementWindow), position: 0, lastHash: .zero, lastTime: nil)
        }

        init(fold: ProjectionFold, position: Int64, lastHash: Hash32?, lastTime: Timestamp?) {
            self.fold = fold
            self.position = position
            self.lastHash = lastHash
            self.lastTime = lastTime
        }
    }

    /// The policy fold while a catch-up runs: one stage at a time advances it in place, on
    /// whichever thread runs that stage (the pipeline hands it on rather than copying it: a copy
    /// per batch would duplicate the row of every open exchange for every batch). The lock is
    /// never contended; it makes each stage's writes visible to the next.
    private final class FoldBox: Sendable {
        let state: Mutex<FoldState>
        init(_ state: consuming FoldState) { self.state = Mutex(state) }
        /// Where the fold stands.
        var position: Int64 { state.withLock { $0.position } }
    }

    /// Projects entries up to `size`, a batch per transaction; returns how many this call wrote.
    ///
    /// Three stages overlap: while batch n is written (this thread), batch n+1 is folded into rows
    /// and batch n+2 is read and parsed, each on a thread of its own. A batch is written only if
    /// the file stands where it begins; otherwise (another projector wrote meanwhile) the fold is
    /// read back from the file where it stands (``PolicyState``) and the batch prepared from there.
    /// A new projector on an existing file starts that way too.
    private func project(to size: Int64, fold: inout FoldState, resumedAt: inout Int64?, notes: inout [String]) throws -> Int64 {
        let batchEntries = Int64(max(1, options.batchEntries))
        let parsing = Prefetcher<Parsed>()
        let preparing = Prefetcher<Prepared>()
        // Lent to `box` until the end (`fold` keeps an empty one meanwhile).
        let box = FoldBox(fold)
        fold = FoldState(acknowledgementWindow: options.acknowledgementWindow)
        defer {
            preparing.finish()
            parsing.finish()
            fold = box.state.withLock { $0 }
        }
        /// The batch after the one ending at `end`, if the catch-up goes on.
        let following = { @Sendable (end: Int64) -> Range<Int64>? in end < size ? end..<min(size, end + batchEntries) : nil }
        /// Folds `range` (the fold is at its start), taking its entries from the parse in flight
        /// and starting the next parse.
        let prepare = { @Sendable [self] (range: Range<Int64>, sizing: RowBatch?) throws -> Prepared in
            let parsed = try parsing.take(range) ?? parse(range)
            if let next = following(range.upperBound) { parsing.start(next) { [self] in try parse(next) } }
            return try box.state.withLock { state throws(ProjectionError) -> Prepared in
                // The chain across ranges (within one, `parse` checked it), where the fold stands.
                var link = ChainLink(size: range.lowerBound, lastLeafHash: state.lastHash, lastTime: state.lastTime)
                do throws(RuleViolation) { try link.follow(parsed.entries[0], leafHash: parsed.firstHash) } catch { throw logChanged(error) }
                var writer = ViewWriter(sizedLike: sizing)
                for entry in parsed.entries { state.fold.apply(entry, into: &writer) }
                state.position = range.upperBound
                state.lastHash = parsed.lastHash
                state.lastTime = parsed.entries[parsed.entries.count - 1].time
                return Prepared(range: range, rows: writer.finish(), lastHash: parsed.lastHash.hex, lastTime: parsed.entries[parsed.entries.count - 1].time)
            }
        }
        var written: Int64 = 0
        var previous: Prepared?  // handed to the next fold to be released there, where it was made
        while true {
            let ready = try preparing.take()  // the batch folded during the last write, if any
            // Where the file stands now: another projector may have moved it on.
            guard let stored = try database.read({ db in try ViewPosition.fetch(db) }) else {
                throw ProjectionError("\(path ?? "views"): the position row disappeared while projecting; run the command again")
            }
            guard stored.size < size else { return written }  // up to date: the fold need not be read back
            let batch: Prepared
            if let ready, ready.range.lowerBound == stored.size {
                batch = ready
            } else {
                // Nothing prepared where the file stands: the first batch, or another projector wrote.
                if box.position != stored.size { resumedAt = try resume(box, from: stored, notes: &notes) }
                guard box.position < size else { continue }  // the file moved on meanwhile
                batch = try prepare(box.position..<min(size, box.position + batchEntries), nil)
            }
            let (start, end) = (batch.range.lowerBound, batch.range.upperBound)
            var committed = false
            try database.inTransaction(.immediate) { db -> Database.TransactionCompletion in
                guard let current = try ViewPosition.fetch(db), current.size == start else { return .rollback }
                if let next = following(end) {
                    nonisolated(unsafe) var garbage = previous.take()
                    preparing.start(next) {
                        let sizing = garbage?.rows
                        garbage = nil
                        return try prepare(next, sizing)
                    }
                }
                try batch.rows.write(to: db)
                try ViewPosition(origin: current.origin, genesisHash: current.genesisHash, size: end, lastHash: batch.lastHash,
                                 lastTime: batch.lastTime.text, acknowledgementWindow: current.acknowledgementWindow,
                                 schemaVersion: current.schemaVersion)
                    .save(db, lastTimeMicroseconds: batch.lastTime.microsecondsSinceEpoch)
                committed = true
                return .commit
            }
            previous = batch
            // Not committed: another projector wrote first; the next turn reads where it got to.
            if committed {
                written += end - start
                options.afterBatch?(end, size)
            }
        }
    }

    /// Reads and parses the entries of `range` on every core (parsing is most of a catch-up's
    /// work and each line parses on its own), with their leaf hashes, and checks the chain of
    /// DESIGN §5 inside the range: the one ``ReplayEngine``, replaying only seq, `prev` and time
    /// order (``ChainLink``: the views resume mid-log without the rules' state) with signatures
    /// skipped (``SignaturePolicy/skip``: `flowledger verify` checks them). An entry edited,
    /// removed or inserted in the middle of the log breaks this chain, and the views stop before
    /// it instead of showing what it says.
    private func parse(_ range: Range<Int64>) throws -> Parsed {
        var engine = ReplayEngine(origin: log.manifest.origin, hash: log.hash, rules: .chain(ChainLink(size: range.lowerBound)), signatures: .skip)
        var source = ReaderLineSource(store: log, range: range)
        var entries: [Entry] = []
        entries.reserveCapacity(range.count)
        var leaves = (first: Hash32.zero, last: Hash32.zero)
        let outcome: ReplayOutcome
        do {
            outcome = try engine.run(from: &source) { applied in
                if entries.isEmpty { leaves.first = applied.leafHash }
                entries.append(applied.entry)
                leaves.last = applied.leafHash
                return .proceed
            }
        } catch {
            throw ProjectionError(error)
        }
        if case .broken(let problem) = outcome { throw logDamaged(problem) }
        return Parsed(entries: entries, firstHash: leaves.first, lastHash: leaves.last)
    }

    /// The error for the replay's break: a line that does not parse, or one that does not follow.
    private func logDamaged(_ problem: ReplayBreak) -> ProjectionError {
        switch problem {
        case .malformedLine(let error, let at):
            return ProjectionError("\(log.name): entry \(at.seq) does not parse (\(error)); the views stop before it. \(fullReport)",
                                   logDamaged: true)
        case .rule(let violation, let broken) where violation.code == .sequenceGap:
            return logChanged(at: broken.location.seq, "the line there says seq \(broken.entry.seq)")
        case .rule(let violation, _):
            return logChanged(violation)
        default:
            return logChanged(at: problem.location?.seq ?? 0, problem.description)
        }
    }

    /// What to run for a full report, as a sentence of its own.
    private var fullReport: String {
        let advice = log.fullReportAdvice
        return advice.prefix(1).uppercased() + advice.dropFirst()
    }

    /// The error for entry `violation.seq`, which breaks DESIGN §5's prev or time rule.
    private func logChanged(_ violation: RuleViolation) -> ProjectionError {
        let seq = violation.seq
        switch violation.code {
        case .brokenChain: return logChanged(at: seq, "its prev is not the leaf hash of entry \(seq - 1)")
        case .timeWentBackwards: return logChanged(at: seq, "its time is before entry \(seq - 1)'s")
        default: return logChanged(at: seq, violation.message)
        }
    }

    /// The error for a log whose entry `seq` breaks DESIGN §5's seq, prev or time rule.
    private func logChanged(at seq: Int64, _ what: String) -> ProjectionError {
        return ProjectionError("\(log.name): entry \(seq) does not follow the entry before it (\(what)): the log was changed after it was written (an entry edited, removed or inserted); the views stop before it. \(fullReport)",
                               logDamaged: true)
    }

    /// Reads the policy fold back from the views where they stand now (``PolicyState``: their
    /// rows and position in one read transaction) into `box`; returns that position. Views whose
    /// rows cannot be read back (changed outside the projector) are noted and rebuilt.
    private func resume(_ box: FoldBox, from stored: ViewPosition, notes: inout [String]) throws -> Int64 {
        do {
            let (policy, position) = try database.read { db -> (PolicyChecker, ViewPosition) in
                guard let position = try ViewPosition.fetch(db) else {
                    throw ProjectionError("\(path ?? "views"): the position row disappeared while projecting; run the command again")
                }
                return (try PolicyState.read(db, acknowledgementWindow: options.acknowledgementWindow), position)
            }
            let resumed = FoldState(fold: ProjectionFold(policy: policy), position: position.size,
                                    lastHash: position.size == 0 ? .zero : position.lastHash.flatMap { try? Hash32(hex: $0) },
                                    lastTime: position.lastTime.flatMap { try? Timestamp(parsing: $0) })
            box.state.withLock { $0 = resumed }
        } catch let error as PolicyState.UnreadableRow {
            notes.append("\(path.map { ($0 as NSString).lastPathComponent } ?? "views") cannot be resumed: \(error.message); rebuilt from the log")
            try resetSchema(genesisHash: stored.genesisHash)
            let empty = FoldState(acknowledgementWindow: options.acknowledgementWindow)
            box.state.withLock { $0 = empty }
        }
        return box.position
    }

    private func line(_ seq: Int64) throws -> [UInt8] {
        do { return try log.lines(in: seq..<(seq + 1))[0] } catch { throw ProjectionError(error) }
    }

    // MARK: - Files

    static func openDatabase(_ path: String?) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(30)
        configuration.label = "views"
        configuration.prepareDatabase { db in
            // WAL: readers (`query`, another `views`) go on while a catch-up writes; NORMAL
            // sync keeps every commit atomic (a crash loses at most the last batches, never
            // splits rows from their position).
            if db.configuration.readonly == false {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                // 64 MiB of page cache: a catch-up touches the b-trees of a file of hundreds of MiB.
                try db.execute(sql: "PRAGMA cache_size = -65536")
            }
        }
        do {
            guard let path else { return try DatabaseQueue(configuration: configuration) }
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            _ = try? queue.writeWithoutTransaction { db in try String.fetchOne(db, sql: "PRAGMA journal_mode = WAL") }
            return queue
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw ProjectionError("\(error.message ?? "\(error.resultCode)")", unreadable: true)
        } catch {
            throw ProjectionError("\(path ?? "views"): cannot open the views database: \(error); check the directory's permissions, or delete the file to rebuild it")
        }
    }

    static func removeFiles(_ path: String?) throws {
        guard let path else { return }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            do { try FileManager.default.removeItem(atPath: file) } catch {
                throw ProjectionError("\(file): cannot remove it to rebuild the views: \(error.localizedDescription)")
            }
        }
    }
}
