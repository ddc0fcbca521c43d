import LedgerCore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#endif

/// What the segment store needs after replaying the log at open: the sequencer's part, and the
/// last segment to append to.
struct RecoveredSegments {
    var state: LedgerState
    var frontier: TreeFrontier
    var lastSegment: PosixFile
    var lastSegmentSize: Int64
    var report: RecoveryReport
}

/// Opens the log for its writer. With a state snapshot that matches the log (``HistoryFile``)
/// only the entries after it are replayed; without one — or when it does not match, which is
/// noted — every entry is. Either way the lines go through the one ``ReplayEngine`` over the
/// segment files (``SegmentFileSource``): parsed strictly, fed to the integrity rules (seq,
/// chain, time, ids, references, authority), signatures under ``SignaturePolicy/checkAsItGoes``
/// for the entries the offset index did not cover yet (written just before a crash) and skipped
/// below (this writer checked them before it indexed them); a torn last line is cut; the derived
/// files are checked against the log and extended. Anything else is damage and stops the writer.
enum Recovery {
    /// Where a replay starts: the state of the entries before it (`state.size` is the first seq
    /// replayed), and the byte where that entry's line would begin in the segment holding the
    /// entry before it (0 from genesis).
    private struct Start {
        var state: LedgerState
        var offset: Int64
    }

    static func run(files: LogFiles, manifest: LedgerManifest, history: HistoryFile, historyNote: String?,
                    options: WriterOptions) throws(StoreError) -> RecoveredSegments {
        var notes = historyNote.map { [$0] } ?? []
        let (snapshot, problem) = try history.snapshot()
        if let snapshot {
            switch Result(catching: { () throws(SnapshotMismatch) in try resumePoint(snapshot, files: files, manifest: manifest, history: history) }) {
            case .success(let start):
                do {
                    var recovered = try replay(from: start, files: files, manifest: manifest, history: history, options: options)
                    recovered.report.resumedAt = snapshot.size
                    recovered.report.notes = notes
                    return recovered
                } catch where error.code == .damaged {
                    // Damage after a snapshot may be the snapshot's (a history edited by hand):
                    // the full replay below tells, and reports real damage by itself.
                    notes.append("the writer's state snapshot at entry \(snapshot.size) was ignored and rebuilt from the log: replaying after it failed (\(error.message))")
                }
            case .failure(let mismatch):
                notes.append("the writer's state snapshot at entry \(snapshot.size) was ignored and rebuilt from the log: \(mismatch.why)")
            }
        } else if let problem {
            notes.append("the writer's state snapshot was ignored and rebuilt from the log: \(problem)")
        }
        try history.clear()
        var recovered = try replay(from: Start(state: LedgerState(origin: manifest.origin), offset: 0),
                                   files: files, manifest: manifest, history: history, options: options)
        if snapshot == nil && problem == nil && historyNote == nil && recovered.report.entries > 0 {
            notes.append("there was no state snapshot in \(history.path) (new, deleted or emptied): every entry was replayed, and one was written")
        }
        recovered.report.notes = notes
        return recovered
    }

    /// Why a snapshot cannot be resumed from: the writer then replays the whole log.
    private struct SnapshotMismatch: Error {
        let why: String
    }

    /// The point just after the snapshot's last entry, checked against the log: that entry's line
    /// must hash to the snapshot's leaf (so the snapshot belongs to this log, as it is now).
    private static func resumePoint(_ snapshot: HistoryFile.Snapshot, files: LogFiles, manifest: LedgerManifest,
                                    history: HistoryFile) throws(SnapshotMismatch) -> Start {
        let size = snapshot.size
        do {
            let indexed = try files.offsets.count()
            guard size >= 1, size <= indexed else {
                throw SnapshotMismatch(why: "it covers \(size) entries but the offset index holds \(indexed)")
            }
            let location = try files.offsets.location(of: size - 1)
            let line = try files.line(seq: size - 1, at: location)
            guard Entry.leafHash(line: line, hash: manifest.suite.hash) == snapshot.leaf else {
                throw SnapshotMismatch(why: "entry \(size - 1) of the log is not the entry it was taken after (leaf hash \(snapshot.leaf.hex))")
            }
            let covered = try files.hashes.coveredSize()
            guard covered >= size else {
                throw SnapshotMismatch(why: "the stored hashes cover \(covered) entries, fewer than its \(size)")
            }
            let state: LedgerState
            do {
                state = try LedgerState(snapshot: snapshot.state, recentRows: snapshot.recent, history: history)
            } catch {
                throw SnapshotMismatch(why: "its state does not read back (\(error))")
            }
            guard state.size == size, state.lastLeafHash == snapshot.leaf, state.origin == manifest.origin else {
                throw SnapshotMismatch(why: "its state describes another position or ledger")
            }
            return Start(state: state, offset: location.offset + location.length + 1)
        } catch let error as SnapshotMismatch {
            throw error
        } catch {
            throw SnapshotMismatch(why: "\(error)")
        }
    }

    /// Replays the lines from `start` to the end of the log, then checks and extends the derived
    /// files, and keeps what the replay added with a new snapshot.
    private static func replay(from start: Start, files: LogFiles, manifest: LedgerManifest, history: HistoryFile,
                               options: WriterOptions) throws(StoreError) -> RecoveredSegments {
        let layout = files.layout
        let hash = manifest.suite.hash
        let first = start.state.size
        var report = RecoveryReport()
        let indexCount = try files.offsets.count()
        let segments = files.segmentList
        // The index covers what this writer checked and wrote; what lies beyond it was written
        // just before a crash, and its signatures are checked now.
        var engine: ReplayEngine
        var source: SegmentFileSource
        if first == 0 {
            engine = ReplayEngine(manifest: manifest, signatures: .checkAsItGoes, trustedBelow: indexCount)
            source = SegmentFileSource(layout: layout, segments: segments)
        } else {
            engine = ReplayEngine(resuming: start.state, hash: hash, signatures: .checkAsItGoes, trustedBelow: indexCount)
            // Entry `first` starts a segment of its own when one is named for it (an empty one,
            // if the writer stopped right after rolling); otherwise it follows entry first - 1.
            let holder = segments.firstSeqs[segments.segmentIndex(of: first)]
            source = holder == first
                ? SegmentFileSource(layout: layout, segments: segments, from: first, offset: 0, line: 1)
                : SegmentFileSource(layout: layout, segments: segments, from: first, offset: start.offset, line: Int(first - holder) + 1)
        }
        engine.rowsHeldAtMost = options.replaySnapshotInterval
        var derived = try DerivedFilesCatchUp(files: files, hash: hash, first: first)
        var storeFailure: StoreError?
        let outcome = try engine.run(from: &source, { applied in
            if let failure = history.takeFailure() {
                storeFailure = failure
                return .stop
            }
            derived.add(OffsetIndex.Location(offset: applied.location.offset ?? 0, length: Int64(applied.line.count)), leaf: applied.leafHash)
            return .proceed
        }, afterWindow: { state in
            // As the writer does while it appends: once the rows in memory reach its interval,
            // they go to the history's tables with a snapshot (of indexed and hashed entries
            // only), so a full replay of a large log holds a bounded part of it in memory.
            guard state.recentEventCount >= options.replaySnapshotInterval else { return .proceed }
            do throws(StoreError) {
                try derived.flush()
                try history.keep(&state)
                return .proceed
            } catch {
                storeFailure = error
                return .stop
            }
        })
        // A history lookup that failed answered "unknown": a rule it broke is not the log's.
        if let failure = storeFailure ?? history.takeFailure() { throw failure }
        switch outcome {
        case .finished(.complete), .stopped:
            break
        case .finished(.torn(let torn)):
            // A torn last line: its append was never acknowledged, so cutting it loses nothing.
            let file = try PosixFile(path: torn.path, flags: O_RDWR)
            try file.truncate(to: torn.offset)
            try file.sync()
            report.tornBytes = torn.bytes
            report.tornSegment = torn.file
        case .broken(let problem):
            throw damage(layout, problem)
        }
        var state = engine.state
        report.signaturesChecked = engine.signaturesChecked
        let lastPath = layout.segment(firstSeq: segments.firstSeqs[segments.firstSeqs.count - 1])
        let lastFile = try PosixFile(path: lastPath, flags: O_RDWR)
        let lastSize = try lastFile.size()

        let n = state.size
        if first > 0 {  // from genesis, the engine checked it against ledger.json
            guard case .genesis(let genesis) = try Entry(validLine: files, seq: 0, at: try files.offsets.location(of: 0)).event.body,
                  genesis.suite == manifest.suite, genesis.operator.key == manifest.operatorKey else {
                throw StoreError(.damaged, "\(layout.manifest) does not match the genesis entry (suite or operator key differ); one of them was replaced")
            }
        }
        // The offset index and the stored hashes: checked where they meet the log, extended, and
        // the frontier for appends.
        let frontier = try derived.finish(size: n)
        report.indexedEntries = derived.indexedEntries
        report.hashedEntries = derived.hashedEntries
        report.entries = n
        report.replayedEntries = n - first

        try checkLatestCheckpoint(files: files, manifest: manifest, size: n)
        // What the replay added is kept now, so the next open starts here: written to the
        // history's tables once the rows in memory reach the writer's interval (a full replay),
        // else kept beside the snapshot (cheap; the writer writes them to the tables later).
        if n > 0 && state.recentEventCount >= options.snapshotInterval(size: n) {
            try history.keep(&state)
        } else if n > first {
            try history.save(size: n, leaf: state.lastLeafHash, state: state.snapshotBytes(), recent: state.recentRowsBytes())
        }
        return RecoveredSegments(state: state, frontier: frontier, lastSegment: lastFile, lastSegmentSize: lastSize, report: report)
    }

    /// The newest published checkpoints must still describe a prefix of the log: `latest` and
    /// the largest `<size>.checkpoint`. They are copies of each other unless one was changed or
    /// lost, and either may be the one that tells: a `latest` put back to an older checkpoint
    /// (or left dangling) must not let the writer append over entries a larger one covers, and
    /// so have the operator sign a second history.
    private static func checkLatestCheckpoint(files: LogFiles, manifest: LedgerManifest, size: Int64) throws(StoreError) {
        let store = CheckpointStore(layout: files.layout, manifest: manifest)
        var checked: [(path: String, size: Int64?)] = []
        if let largest = try store.sizes().last { checked.append((files.layout.checkpoint(size: largest), largest)) }
        if Directory.exists(files.layout.latestCheckpoint) { checked.append((files.layout.latestCheckpoint, nil)) }
        for (path, named) in checked {
            let checkpoint: Checkpoint
            do {
                checkpoint = try store.load(size: named).checkpoint
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.damaged, "\(path): \(error)")
            }
            guard checkpoint.size <= size else {
                throw StoreError(.damaged, "\(path) covers \(checkpoint.size) entries but the log has only \(size): entries the operator signed for were removed. The writer refuses to append; restore the segments from a backup and run `flowledger verify \(files.layout.directory)`")
            }
            let root: Hash32
            do {
                root = try MerkleTree.rootHash(size: checkpoint.size, reader: files.hashes, hash: manifest.suite.hash)
            } catch {
                throw StoreError(.io, "\(files.layout.hashes): cannot compute the root of size \(checkpoint.size): \(error)")
            }
            guard root == checkpoint.root else {
                throw StoreError(.damaged, "the log no longer matches \(path): the first \(checkpoint.size) entries have root \(root.hex), the operator signed \(checkpoint.root.hex). History was rewritten; the writer refuses to append. Run `flowledger verify \(files.layout.directory)` to find the first changed entry")
            }
        }
    }

    /// The writer's refusal for a break the replay met: what and where, and what to do.
    private static func damage(_ layout: LedgerLayout, _ problem: ReplayBreak) -> StoreError {
        let advice = "The writer refuses to append on top of it. Run `flowledger verify \(layout.directory)` for a full report and restore the segment from a backup"
        guard case .rule(let violation, let broken) = problem else {
            return StoreError(.damaged, "\(layout.directory)/\(problem). The log is damaged here. \(advice)")
        }
        if violation.code == .badSignature {
            let file = broken.location.file.map { "\(layout.directory)/\($0)" } ?? layout.directory
            return StoreError(.damaged, "\(file): entry \(broken.entry.seq) has a signature that does not verify under the key it names; it was forged or changed after signing. \(advice)",
                              violation: violation)
        }
        return StoreError(.damaged, "\(layout.directory)/\(broken.location): \(violation). The log is damaged here. \(advice)", violation: violation)
    }
}

extension Entry {
    /// Reads and parses entry `seq` at `location`; any failure is damage.
    init(validLine files: LogFiles, seq: Int64, at location: OffsetIndex.Location) throws(StoreError) {
        let bytes = try files.line(seq: seq, at: location)
        do {
            try self.init(line: bytes)
        } catch {
            throw StoreError(.damaged, "\(files.layout.directory): entry \(seq) does not parse: \(error)")
        }
    }
}
