import Foundation
import LedgerCore
import LedgerCrypto
import Synchronization

/// The embedded default store (DESIGN §9): the log as segment files in `log/`, the source of
/// truth, with the derived files beside it — `index/offsets`, `index/hashes`, the writer's
/// `index/state.sqlite` — and `checkpoints/`. The appender side of the files; readers elsewhere
/// use ``LedgerReader``.
///
/// How it keeps ``LogAppender``'s contract: a group's lines are written at the end of the current
/// segment with one `write` and made durable with one `fsync` (per segment touched, rolling to a
/// new segment at the first line past the limit); only then are the offsets and stored hashes
/// extended. A crash between the two leaves complete lines beyond the derived files, which
/// ``recover()`` indexes and hashes again (checking their signatures), and a torn last line, which
/// it cuts. An OS lock on `writer.lock` keeps a second appender out.
final class SegmentStore: LogAppender, @unchecked Sendable {  // mutable state: one commit at a time (the sequencer's thread, or a copy's writing thread, waited for), after recover()
    let layout: LedgerLayout
    let manifest: LedgerManifest
    let files: LogFiles
    let historyFile: HistoryFile
    private let historyNote: String?
    private let lockFile: PosixFile
    private let segmentLimit: Int64
    private let durability: WriterOptions.Durability
    private let options: WriterOptions
    /// The segment appended to, and its size; set by ``recover()``.
    private var segment: PosixFile?
    private var segmentSize: Int64 = 0
    /// Set when a failure left the files in a state only a reopen repairs.
    private let stopped = Mutex<StoreError?>(nil)
    private let released = Mutex(false)

    var history: any RuleHistory { historyFile }

    /// Opens the ledger at `directory` for appending: takes the writer lock and opens the files.
    /// Call ``recover()`` before anything else.
    static func open(directory: String, options: WriterOptions) throws(StoreError) -> SegmentStore {
        let layout = LedgerLayout(directory: directory)
        let manifest = try LedgerManifest.read(layout)
        let lockFile = try takeLock(layout)
        let files = try LogFiles(layout: layout, writable: true)
        let (history, note) = try HistoryFile.open(path: layout.writerState)
        return SegmentStore(layout: layout, manifest: manifest, files: files, history: history, historyNote: note, lockFile: lockFile, options: options)
    }

    /// Creates the files of a new, empty ledger described by `manifest` at `directory` (created if
    /// missing; it must not hold a ledger), then opens it.
    static func create(directory: String, manifest: LedgerManifest, options: WriterOptions) throws(StoreError) -> SegmentStore {
        let layout = LedgerLayout(directory: directory)
        if Directory.exists(layout.manifest) {
            throw StoreError(.alreadyExists, "\(layout.directory) already holds a ledger (\(layout.manifest) exists); refusing to initialize over it")
        }
        if Directory.exists(layout.log), !(try Directory.list(layout.log)).isEmpty {
            throw StoreError(.alreadyExists, "\(layout.log) already holds segment files; refusing to initialize over them")
        }
        try Directory.create(layout.directory)
        for path in [layout.log, layout.index, layout.checkpoints] { try Directory.create(path) }
        _ = try PosixFile(path: layout.segment(firstSeq: 0), flags: O_WRONLY | O_CREAT)
        try Directory.sync(layout.log)
        try Directory.writeAtomically(manifest.bytes, to: layout.manifest, directory: layout.directory)
        return try open(directory: directory, options: options)
    }

    private static func takeLock(_ layout: LedgerLayout) throws(StoreError) -> PosixFile {
        let file = try PosixFile(path: layout.lock, flags: O_RDWR | O_CREAT)
        guard try file.tryLockExclusive() else {
            let holder = String(decoding: (try? file.read(at: 0, count: 32)) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw StoreError(.locked, "\(layout.directory) is open by another writer\(holder.isEmpty ? "" : " (pid \(holder))"); a ledger has one writer at a time. Readers (tail, verify, prove) work while it runs")
        }
        try file.truncate(to: 0)
        try file.write(Array("\(getpid())\n".utf8), at: 0)
        return file
    }

    private init(layout: LedgerLayout, manifest: LedgerManifest, files: LogFiles, history: HistoryFile, historyNote: String?,
                 lockFile: PosixFile, options: WriterOptions) {
        self.layout = layout
        self.manifest = manifest
        self.files = files
        self.historyFile = history
        self.historyNote = historyNote
        self.lockFile = lockFile
        self.segmentLimit = options.segmentLimit
        self.durability = options.durability
        self.options = options
    }

    // MARK: - LogReader

    func size() throws(StoreError) -> Int64 { try files.offsets.count() }

    func lines(in range: Range<Int64>) throws(StoreError) -> [[UInt8]] {
        let locations = try files.offsets.locations(from: range.lowerBound, count: range.count)
        return try zip(range, locations).map { seq, location throws(StoreError) in try files.line(seq: seq, at: location) }
    }

    func readHashes(at indexes: [Int64]) throws -> [Hash32] { try files.hashes.readHashes(at: indexes) }

    func checkpointNote(size: Int64?) throws(StoreError) -> String? {
        let store = CheckpointStore(layout: layout, manifest: manifest)
        let path = size.map { layout.checkpoint(size: $0) } ?? layout.latestCheckpoint
        guard Directory.exists(path) else { return nil }
        do {
            return try store.load(size: size).note
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.damaged, "\(path): \(error)")
        }
    }

    func sizeChanges() -> AsyncStream<Int64> {
        guard let reader = try? LedgerReader(directory: layout.directory) else { return AsyncStream { $0.finish() } }
        return DirectoryLog(reader).sizeChanges()
    }

    // MARK: - LogAppender

    func recover() throws(StoreError) -> RecoveredLog {
        let recovered = try Recovery.run(files: files, manifest: manifest, history: historyFile, historyNote: historyNote, options: options)
        segment = recovered.lastSegment
        segmentSize = recovered.lastSegmentSize
        return RecoveredLog(state: recovered.state, frontier: recovered.frontier, report: recovered.report)
    }

    func commit(_ group: SequencedGroup) throws(StoreError) {
        if let stopped = stopped.withLock({ $0 }) { throw stopped }
        guard let segment else { throw StoreError(.closed, "\(layout.directory): the store was not recovered before appending") }
        var locations: [OffsetIndex.Location] = []
        locations.reserveCapacity(group.count)
        var start = 0          // first byte of the current run in the group's bytes
        var end = 0
        var offset = segmentSize
        var current = segment
        do {
            for (index, length) in group.lengths.enumerated() {
                if offset > 0 && offset + length + 1 > segmentLimit {
                    try writeRun(group.bytes[start..<end], to: current, at: segmentSize)
                    segmentSize = offset
                    current = try roll(firstSeq: group.firstSeq + Int64(index))
                    start = end
                    offset = 0
                }
                locations.append(OffsetIndex.Location(offset: offset, length: length))
                offset += length + 1
                end += Int(length) + 1
            }
            try writeRun(group.bytes[start..<end], to: current, at: segmentSize)
        } catch {
            if start > 0 {
                // Earlier runs of this group are durable in the previous segment but were not
                // acknowledged: only a reopen (which replays them) makes memory match the disk.
                stop(StoreError(.io, "\(layout.log): a write failed after the group had rolled to a new segment (\(error)); the writer stopped. Reopen the ledger; appending the same events again returns their receipts"))
            }
            throw error
        }
        segmentSize = offset
        // The entries are durable from here on: a failure below cannot be undone, so it stops the
        // store (reopening repairs the derived files from the segments).
        do {
            try files.offsets.write(locations, from: group.firstSeq)
            try files.hashes.write(group.storedHashes, from: group.firstStoredIndex)
        } catch {
            stop(StoreError(.io, "\(layout.index): the derived files could not be updated (\(error)); the writer stopped. The entries are in the log: reopen the ledger, and appending the same events again returns their receipts"))
        }
    }

    /// Writes `bytes` at `offset` of `file` and syncs it; on failure cuts the file back so it is
    /// as it was (nothing of the group has been acknowledged).
    private func writeRun(_ bytes: ArraySlice<UInt8>, to file: PosixFile, at offset: Int64) throws(StoreError) {
        guard !bytes.isEmpty else { return }
        do {
            try file.write(bytes, at: offset)
            if durability != .never { try file.sync() }
        } catch {
            do {
                try file.truncate(to: offset)
            } catch {
                stop(StoreError(.io, "\(file.path): a write failed and the partial write could not be removed (\(error)); the writer stopped. Reopen the ledger: recovery cuts the torn line"))
            }
            throw error
        }
    }

    /// Starts the segment whose first entry is `firstSeq`, durably (the directory is synced).
    private func roll(firstSeq: Int64) throws(StoreError) -> PosixFile {
        let next = try PosixFile(path: layout.segment(firstSeq: firstSeq), flags: O_RDWR | O_CREAT | O_EXCL)
        try Directory.sync(layout.log)
        files.added(segmentFirstSeq: firstSeq)
        segment = next
        segmentSize = 0
        return next
    }

    private func stop(_ error: StoreError) {
        stopped.withLock { if $0 == nil { $0 = error } }
    }

    func flush(history delta: HistoryDelta, state: LedgerState) throws(StoreError) {
        try historyFile.flush(delta, size: state.size, leaf: state.lastLeafHash, state: state.snapshotBytes())
    }

    /// Keeps the rows in memory beside the snapshot (``HistoryFile/save(size:leaf:state:recent:)``).
    func saveSnapshot(state: LedgerState) throws(StoreError) {
        try historyFile.save(size: state.size, leaf: state.lastLeafHash, state: state.snapshotBytes(), recent: state.recentRowsBytes())
    }

    func takeHistoryFailure() -> StoreError? { historyFile.takeFailure() }

    func publish(checkpoint note: String, size: Int64) throws(StoreError) {
        try CheckpointStore(layout: layout, manifest: manifest).publish(note, size: size)
    }

    func close() {
        let release = released.withLock { done -> Bool in
            defer { done = true }
            return !done
        }
        guard release else { return }
        historyFile.close()
        lockFile.unlock()
    }
}
