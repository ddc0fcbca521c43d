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
/// noted — every entry is. Either way every line replayed is parsed strictly and fed to the
/// integrity rules (seq, chain, time, ids, references, authority); signatures are checked for the
/// entries the index did not cover yet; a torn last line is cut; the derived files are checked
/// against the log and extended. Anything else that does not fit is damage and stops the writer.
enum Recovery {
    /// Lines parsed per parallel step (bounded memory for any segment size).
    private static let window = 8192

    /// Where a replay starts: the state of the entries before `seq`, and where entry `seq`'s line
    /// would begin (segment position in the list, byte offset in it).
    private struct Start {
        var state: LedgerState
        var segmentPosition: Int
        var offset: Int64
    }

    static func run(files: LogFiles, manifest: LedgerManifest, history: HistoryFile, historyNote: String?) throws(StoreError) -> RecoveredSegments {
        var notes = historyNote.map { [$0] } ?? []
        let (snapshot, problem) = try history.snapshot()
        if let snapshot {
            switch Result(catching: { () throws(SnapshotMismatch) in try resumePoint(snapshot, files: files, manifest: manifest, history: history) }) {
            case .success(let start):
                do {
                    var recovered = try replay(from: start, files: files, manifest: manifest, history: history)
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
        var recovered = try replay(from: Start(state: LedgerState(origin: manifest.origin), segmentPosition: 0, offset: 0),
                                   files: files, manifest: manifest, history: history)
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
                state = try LedgerState(snapshot: snapshot.state, history: history)
            } catch {
                throw SnapshotMismatch(why: "its state does not read back (\(error))")
            }
            guard state.size == size, state.lastLeafHash == snapshot.leaf, state.origin == manifest.origin else {
                throw SnapshotMismatch(why: "its state describes another position or ledger")
            }
            let segments = files.segmentList
            return Start(state: state, segmentPosition: segments.segmentIndex(of: size - 1), offset: location.offset + location.length + 1)
        } catch let error as SnapshotMismatch {
            throw error
        } catch {
            throw SnapshotMismatch(why: "\(error)")
        }
    }

    /// Replays the lines from `start` to the end of the log, then checks and extends the derived
    /// files, and flushes what the replay added to the history with a new snapshot.
    private static func replay(from start: Start, files: LogFiles, manifest: LedgerManifest, history: HistoryFile) throws(StoreError) -> RecoveredSegments {
        let layout = files.layout
        let hash = manifest.suite.hash
        var state = start.state
        let first = state.size
        var report = RecoveryReport()
        let indexCount = try files.offsets.count()
        var hashCovered = try files.hashes.coveredSize()
        var locations: [OffsetIndex.Location] = []   // of entries first…
        var leaves: [Hash32] = []                     // of entries first…
        var delta = HistoryDelta()
        let segments = files.segmentList.firstSeqs
        var lastFile: PosixFile?
        var lastSize: Int64 = 0

        for position in start.segmentPosition..<segments.count {
            let firstSeq = segments[position]
            let path = layout.segment(firstSeq: firstSeq)
            let name = "log/" + LedgerLayout.segmentName(firstSeq: firstSeq)
            var offset: Int64 = position == start.segmentPosition ? start.offset : 0
            guard offset > 0 || firstSeq == state.size else {
                throw StoreError(.damaged, "\(path): the segment is named for seq \(firstSeq) but the segments before it end at seq \(state.size - 1); a segment is missing or was renamed. The writer refuses to append; run `flowledger verify \(layout.directory)`")
            }
            let file = try PosixFile(path: path, flags: O_RDWR)
            let size = try file.size()
            var lineNumber = Int(state.size - firstSeq)
            while offset < size {
                let chunk = try file.read(at: offset, count: Int(min(size - offset, 8 << 20)))
                let (lines, _) = LineSplitter.split(chunk, baseOffset: offset)
                guard !lines.isEmpty else {
                    if chunk.count > CanonicalJSON.maxLineBytes {  // a torn write is at most one line without its newline
                        throw damage(layout, name, lineNumber + 1, state.size, "a line longer than the \(CanonicalJSON.maxLineBytes)-byte limit")
                    }
                    break
                }
                var from = 0
                while from < lines.count {
                    let slice = lines[from..<min(from + window, lines.count)]
                    let parsed = Parallel.map(slice.count) { i -> (Result<Entry, FormatError>, Hash32) in
                        let bytes = slice[slice.startIndex + i].bytes
                        return (Result { () throws(FormatError) in try Entry(line: bytes) }, Entry.leafHash(line: bytes, hash: hash))
                    }
                    for (i, (result, leaf)) in parsed.enumerated() {
                        lineNumber += 1
                        let line = slice[slice.startIndex + i]
                        let entry: Entry
                        switch result {
                        case .success(let value): entry = value
                        case .failure(let error): throw damage(layout, name, lineNumber, state.size, "the line is not a valid entry: \(error)")
                        }
                        do {
                            // Unindexed entries' signatures are checked below, in parallel.
                            try state.replay(entry, leafHash: leaf, signature: .notChecked)
                        } catch {
                            throw damage(layout, name, lineNumber, entry.seq, error.description)
                        }
                        if let failure = history.takeFailure() { throw failure }
                        locations.append(OffsetIndex.Location(offset: line.offset, length: Int64(line.bytes.count)))
                        leaves.append(leaf)
                        delta.add(entry.event, seq: entry.seq)
                    }
                    state.commit()
                    from += window
                }
                let last = lines[lines.count - 1]
                offset = last.offset + Int64(last.bytes.count) + 1
            }
            if offset < size {
                guard position == segments.count - 1 else {
                    throw damage(layout, name, lineNumber + 1, state.size, "the segment ends with \(size - offset) bytes that are not a complete line, but it is not the last segment; only the last line of the last segment can be torn by a crash")
                }
                // A torn last line: its append was never acknowledged, so cutting it loses nothing.
                try file.truncate(to: offset)
                try file.sync()
                report.tornBytes = size - offset
                report.tornSegment = name
            }
            lastFile = file
            lastSize = offset
        }

        let n = state.size
        if n > 0 {
            let genesisLocation = first == 0 ? locations[0] : try files.offsets.location(of: 0)
            guard case .genesis(let genesis) = try Entry(validLine: files, seq: 0, at: genesisLocation).event.body,
                  genesis.suite == manifest.suite, genesis.operator.key == manifest.operatorKey else {
                throw StoreError(.damaged, "\(layout.manifest) does not match the genesis entry (suite or operator key differ); one of them was replaced")
            }
        }
        try checkUnindexedSignatures(state: state, files: files, manifest: manifest, from: max(first, min(indexCount, n)),
                                     first: first, locations: locations, report: &report)

        // The offset index: check the last record it shares with the log, then extend it.
        var indexed = min(indexCount, n)
        if indexCount > n { try files.offsets.truncate(to: n) }
        if indexed > first, try files.offsets.location(of: indexed - 1) != locations[Int(indexed - 1 - first)] {
            throw derivedMismatch(layout, layout.offsets, seq: indexed - 1)
        }
        if indexed < n {
            try files.offsets.write(Array(locations[Int(indexed - first)...]), from: indexed)
            report.indexedEntries = n - indexed
            indexed = n
        }

        // The stored hashes: the same, then the frontier for appends. (A resumed replay starts at
        // or below what they cover: the snapshot is taken only of hashed entries.)
        hashCovered = min(hashCovered, n)
        try files.hashes.truncate(toSize: hashCovered)
        if hashCovered > first {
            let stored = try readHash(files.hashes, StoredHashes.index(level: 0, hashCovered - 1))
            if stored != leaves[Int(hashCovered - 1 - first)] { throw derivedMismatch(layout, layout.hashes, seq: hashCovered - 1) }
        }
        var frontier: TreeFrontier
        do {
            frontier = try TreeFrontier(size: hashCovered, reader: files.hashes)
            var added: [Hash32] = []
            for leaf in leaves[Int(hashCovered - first)...] { added += try frontier.append(leafHash: leaf, hash: hash) }
            try files.hashes.write(added, from: StoredHashes.count(size: hashCovered))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(layout.hashes): cannot rebuild the stored hashes: \(error)")
        }
        report.hashedEntries = n - hashCovered
        report.entries = n
        report.replayedEntries = n - first

        try checkLatestCheckpoint(files: files, manifest: manifest, size: n)
        guard let lastFile else { throw StoreError(.damaged, "\(layout.log): no segment file") }
        // What the replay added goes to the history now, so the next open starts here.
        if n > 0 && delta.entries > 0 {
            try history.flush(delta, size: n, leaf: state.lastLeafHash, state: state.snapshotBytes())
        }
        if n > 0 { state.attach(history: history) }
        return RecoveredSegments(state: state, frontier: frontier, lastSegment: lastFile, lastSegmentSize: lastSize, report: report)
    }

    /// Entries from `from` on were written after the index was last updated — just before a
    /// crash, or by a writer that never finished — so their signatures are checked here.
    private static func checkUnindexedSignatures(state: LedgerState, files: LogFiles, manifest: LedgerManifest, from: Int64, first: Int64,
                                                 locations: [OffsetIndex.Location], report: inout RecoveryReport) throws(StoreError) {
        let count = Int(state.size - from)
        guard count > 0 else { return }
        let results = Parallel.map(count, chunkSize: 8) { i -> (Int64, Result<Bool, StoreError>) in
            let seq = from + Int64(i)
            return (seq, Result { () throws(StoreError) -> Bool in
                let entry = try Entry(validLine: files, seq: seq, at: locations[Int(seq - first)])
                guard let key = state.verificationKey(for: entry.event) else { return false }
                return entry.signed.verify(with: key, origin: manifest.origin)
            })
        }
        for (seq, result) in results {
            guard try result.get() else {
                let segment = files.segmentList.firstSeqs[files.segmentList.segmentIndex(of: seq)]
                throw StoreError(.damaged, "\(files.layout.segment(firstSeq: segment)): entry \(seq) has a signature that does not verify under the key it names; it was forged or changed after signing. The writer refuses to append on top of it; run `flowledger verify \(files.layout.directory)`",
                                 violation: RuleViolation(.badSignature, seq: seq, eventID: nil, author: nil, field: "sig", "the signature does not verify"))
            }
        }
        report.signaturesChecked = Int64(count)
    }

    /// The newest published checkpoint must still describe a prefix of the log.
    private static func checkLatestCheckpoint(files: LogFiles, manifest: LedgerManifest, size: Int64) throws(StoreError) {
        let store = CheckpointStore(layout: files.layout, manifest: manifest)
        guard Directory.exists(files.layout.latestCheckpoint) else { return }
        let checkpoint: Checkpoint
        do {
            checkpoint = try store.load().checkpoint
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.damaged, "\(files.layout.latestCheckpoint): \(error)")
        }
        guard checkpoint.size <= size else {
            throw StoreError(.damaged, "\(files.layout.latestCheckpoint) covers \(checkpoint.size) entries but the log has only \(size): entries the operator signed for were removed. The writer refuses to append; restore the segments from a backup and run `flowledger verify \(files.layout.directory)`")
        }
        let root: Hash32
        do {
            root = try MerkleTree.rootHash(size: checkpoint.size, reader: files.hashes, hash: manifest.suite.hash)
        } catch {
            throw StoreError(.io, "\(files.layout.hashes): cannot compute the root of size \(checkpoint.size): \(error)")
        }
        guard root == checkpoint.root else {
            throw StoreError(.damaged, "the log no longer matches \(files.layout.latestCheckpoint): the first \(checkpoint.size) entries have root \(root.hex), the operator signed \(checkpoint.root.hex). History was rewritten; the writer refuses to append. Run `flowledger verify \(files.layout.directory)` to find the first changed entry")
        }
    }

    private static func readHash(_ file: HashFile, _ index: Int64) throws(StoreError) -> Hash32 {
        do {
            return try file.readHashes(at: [index])[0]
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(error)")
        }
    }

    private static func damage(_ layout: LedgerLayout, _ name: String, _ line: Int, _ seq: Int64, _ what: String) -> StoreError {
        StoreError(.damaged, "\(layout.directory)/\(name) line \(line) (seq \(seq)): \(what). The log is damaged here; the writer refuses to append on top of it. Run `flowledger verify \(layout.directory)` for a full report and restore the segment from a backup")
    }

    private static func derivedMismatch(_ layout: LedgerLayout, _ path: String, seq: Int64) -> StoreError {
        StoreError(.damaged, "\(path) disagrees with the log at entry \(seq): the log was changed after it was indexed, or the derived files come from another copy. Run `flowledger verify \(layout.directory)`; if the log verifies, delete \(layout.index) and reopen to rebuild it")
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
