import LedgerCore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#endif

/// What the writer needs after replaying the log at open.
struct RecoveredLog {
    var state: LedgerState
    var frontier: TreeFrontier
    var lastSegment: PosixFile
    var lastSegmentSize: Int64
    var report: RecoveryReport
}

/// Replays the segment files at open: every line is parsed strictly and fed to the integrity
/// rules (seq, chain, time, ids, references, authority); signatures are checked for the entries
/// the index did not cover yet; a torn last line is cut; the derived files are checked against
/// the log and extended. Anything else that does not fit is damage and stops the writer.
enum Recovery {
    /// Lines parsed per parallel step (bounded memory for any segment size).
    private static let window = 8192

    static func run(files: LogFiles, manifest: LedgerManifest) throws(StoreError) -> RecoveredLog {
        let layout = files.layout
        let hash = manifest.suite.hash
        var state = LedgerState(origin: manifest.origin)
        var report = RecoveryReport()
        let indexCount = try files.offsets.count()
        var hashCovered = try files.hashes.coveredSize()
        var locations: [OffsetIndex.Location] = []
        var leaves: [Hash32] = []
        let segments = files.segmentList.firstSeqs
        var lastFile: PosixFile?
        var lastSize: Int64 = 0

        for (position, firstSeq) in segments.enumerated() {
            let path = layout.segment(firstSeq: firstSeq)
            let name = "log/" + LedgerLayout.segmentName(firstSeq: firstSeq)
            guard firstSeq == state.size else {
                throw StoreError(.damaged, "\(path): the segment is named for seq \(firstSeq) but the segments before it end at seq \(state.size - 1); a segment is missing or was renamed. The writer refuses to append; run `flowledger verify \(layout.directory)`")
            }
            let file = try PosixFile(path: path, flags: O_RDWR)
            let size = try file.size()
            var offset: Int64 = 0
            var lineNumber = 0
            while offset < size {
                let chunk = try file.read(at: offset, count: Int(min(size - offset, 8 << 20)))
                let (lines, _) = LineSplitter.split(chunk, baseOffset: offset)
                guard !lines.isEmpty else {
                    if chunk.count > CanonicalJSON.maxLineBytes + 1 {
                        throw damage(layout, name, lineNumber + 1, state.size, "a line longer than the \(CanonicalJSON.maxLineBytes)-byte limit")
                    }
                    break
                }
                var start = 0
                while start < lines.count {
                    let slice = lines[start..<min(start + window, lines.count)]
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
                            try state.replay(entry, leafHash: leaf, signature: .notChecked)  // unindexed entries are checked below
                        } catch {
                            throw damage(layout, name, lineNumber, entry.seq, error.description)
                        }
                        locations.append(OffsetIndex.Location(offset: line.offset, length: Int64(line.bytes.count)))
                        leaves.append(leaf)
                    }
                    start += window
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

        if state.size > 0 {
            guard case .genesis(let genesis) = try Entry(validLine: files, seq: 0, at: locations[0]).event.body,
                  genesis.suite == manifest.suite, genesis.operator.key == manifest.operatorKey else {
                throw StoreError(.damaged, "\(layout.manifest) does not match the genesis entry (suite or operator key differ); one of them was replaced")
            }
        }
        try checkUnindexedSignatures(state: state, files: files, manifest: manifest, from: min(indexCount, state.size), locations: locations, report: &report)

        // The offset index: check the last record it shares with the log, then extend it.
        let n = state.size
        var indexed = min(indexCount, n)
        if indexCount > n { try files.offsets.truncate(to: n) }
        if indexed > 0, try files.offsets.location(of: indexed - 1) != locations[Int(indexed - 1)] {
            throw derivedMismatch(layout, layout.offsets, seq: indexed - 1)
        }
        if indexed < n {
            try files.offsets.write(Array(locations[Int(indexed)...]), from: indexed)
            report.indexedEntries = n - indexed
            indexed = n
        }

        // The stored hashes: the same, then the frontier for appends.
        hashCovered = min(hashCovered, n)
        try files.hashes.truncate(toSize: hashCovered)
        if hashCovered > 0 {
            let stored = try readHash(files.hashes, StoredHashes.index(level: 0, hashCovered - 1))
            if stored != leaves[Int(hashCovered - 1)] { throw derivedMismatch(layout, layout.hashes, seq: hashCovered - 1) }
        }
        var frontier: TreeFrontier
        do {
            frontier = try TreeFrontier(size: hashCovered, reader: files.hashes)
            var added: [Hash32] = []
            for leaf in leaves[Int(hashCovered)...] { added += try frontier.append(leafHash: leaf, hash: hash) }
            try files.hashes.write(added, from: StoredHashes.count(size: hashCovered))
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(layout.hashes): cannot rebuild the stored hashes: \(error)")
        }
        report.hashedEntries = n - hashCovered
        report.entries = n

        try checkLatestCheckpoint(files: files, manifest: manifest, size: n)
        guard let lastFile else { throw StoreError(.damaged, "\(layout.log): no segment file") }
        return RecoveredLog(state: state, frontier: frontier, lastSegment: lastFile, lastSegmentSize: lastSize, report: report)
    }

    /// Entries from `from` on were written after the index was last updated — just before a
    /// crash, or by a writer that never finished — so their signatures are checked here.
    private static func checkUnindexedSignatures(state: LedgerState, files: LogFiles, manifest: LedgerManifest, from: Int64,
                                                 locations: [OffsetIndex.Location], report: inout RecoveryReport) throws(StoreError) {
        let count = Int(state.size - from)
        guard count > 0 else { return }
        let results = Parallel.map(count, chunkSize: 8) { i -> (Int64, Result<Bool, StoreError>) in
            let seq = from + Int64(i)
            return (seq, Result { () throws(StoreError) -> Bool in
                let entry = try Entry(validLine: files, seq: seq, at: locations[Int(seq)])
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
