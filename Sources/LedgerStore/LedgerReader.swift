import Foundation
import LedgerCore
import LedgerCrypto

/// A read-only view of a ledger directory, safe to use while a writer appends (in this process
/// or another): it never takes the writer lock, never writes, and sees only complete lines — an
/// entry appears once its line and newline are in the segment file.
///
/// Entries are found through the derived offset index where it covers them and by scanning the
/// segment tail beyond it, so a missing or lagging index slows reading down but never hides an
/// entry. Proofs read the stored Merkle hashes (``HashFile``), O(log n) `pread`s each.
///
/// ```swift
/// let reader = try LedgerReader(directory: "/var/lib/flowledger/exchange")
/// let size = try reader.refresh()
/// let last = try reader.entry(at: size - 1)
/// let proof = try reader.inclusionProof(seq: 17, size: size)
/// ```
public final class LedgerReader: @unchecked Sendable {
    /// Where the files are.
    package let layout: LedgerLayout
    /// `ledger.json`.
    public let manifest: LedgerManifest
    let files: LogFiles
    private let lock = NSLock()
    /// Entries known through the offset index.
    private var indexed: Int64 = 0
    /// Entries beyond the index, found by scanning: (segment's first seq, location).
    private var tail: [(segment: Int64, location: OffsetIndex.Location)] = []

    /// Opens the ledger at `directory` for reading.
    public init(directory: String) throws(StoreError) {
        layout = LedgerLayout(directory: directory)
        manifest = try LedgerManifest.read(layout)
        files = try LogFiles(layout: layout, writable: false)
        _ = try refresh()
    }

    /// The suite's hash function.
    public var hash: HashAlgorithm { manifest.suite.hash }

    /// The number of entries visible now, after looking for new ones.
    @discardableResult
    public func refresh() throws(StoreError) -> Int64 {
        try lock.locked { () throws(StoreError) -> Int64 in
            let indexCount = try files.offsets.count()
            let known = indexed + Int64(tail.count)
            if indexCount > known {
                // Entries appeared through the index; they may be in segments rolled since the
                // list was read, so list again (after reading the count, so the list covers it).
                try files.relistSegments()
            }
            if indexCount >= known {
                indexed = indexCount
                tail.removeAll()
            } else if indexCount > indexed {
                tail.removeFirst(Int(indexCount - indexed))
                indexed = indexCount
            }
            try scanTail()
            return indexed + Int64(tail.count)
        }
    }

    /// The number of entries seen at the last ``refresh()``.
    public var size: Int64 { lock.withLock { indexed + Int64(tail.count) } }

    private func location(of seq: Int64) throws(StoreError) -> OffsetIndex.Location {
        if seq < indexed { return try files.offsets.location(of: seq) }
        return tail[Int(seq - indexed)].location
    }

    /// Reads complete lines after the last known entry, across segment boundaries. `log/` is
    /// listed again only when the scan reaches the end of the last segment it knows (a writer
    /// may have rolled to a new one), not on every refresh.
    private func scanTail() throws(StoreError) {
        var known = indexed + Int64(tail.count)
        var segments = files.segmentList
        var segmentIndex = 0
        var offset: Int64 = 0
        if known > 0 {
            segmentIndex = segments.segmentIndex(of: known - 1)
            let last = try location(of: known - 1)
            offset = last.offset + last.length + 1
        }
        while true {
            let (file, firstSeq) = try files.segment(at: segmentIndex)
            let end = try file.size()
            while offset < end {
                let chunk = try file.read(at: offset, count: Int(min(end - offset, 4 << 20)))
                let (lines, _) = LineSplitter.split(chunk, baseOffset: offset)
                if lines.isEmpty { break }  // a partial line being written (or torn): not visible
                for line in lines {
                    tail.append((firstSeq, OffsetIndex.Location(offset: line.offset, length: Int64(line.bytes.count))))
                }
                known += Int64(lines.count)
                let last = lines[lines.count - 1]
                offset = last.offset + Int64(last.bytes.count) + 1
            }
            // Move on only when this segment is complete and the next one starts where it ends.
            guard offset == end else { return }
            if segmentIndex + 1 >= segments.firstSeqs.count {
                try files.relistSegments()
                segments = files.segmentList
            }
            guard segmentIndex + 1 < segments.firstSeqs.count else { return }
            // A writer names each segment after the entry it starts with, and starts it only when
            // the one before is complete: any other first seq is a missing or renamed file.
            let next = segments.firstSeqs[segmentIndex + 1]
            // The writer finished this segment and rolled between our read of its size and the
            // listing: read its new end before calling a gap damage.
            if next > known, try file.size() > end { continue }
            guard next == known else {
                let why = next > known
                    ? "the segments before it end at entry \(known - 1): \(next - known == 1 ? "entry \(known) is" : "entries \(known)…\(next - 1) are") missing (a segment file or lines removed, or a file renamed)"
                    : "the segments before it already hold entries up to \(known - 1): lines were added to a segment, or a file was renamed"
                throw StoreError(.damaged, "\(layout.log)/\(LedgerLayout.segmentName(firstSeq: next)) starts at entry \(next), but \(why). Run `flowledger verify \(layout.directory)` for a full report")
            }
            segmentIndex += 1
            offset = 0
        }
    }

    /// The stored line of entry `seq` (without its newline).
    public func line(at seq: Int64) throws(StoreError) -> [UInt8] {
        let location = try lock.locked { () throws(StoreError) -> OffsetIndex.Location in
            let size = indexed + Int64(tail.count)
            guard seq >= 0, seq < size else {
                throw StoreError(.outOfRange, "\(layout.directory): entry \(seq) does not exist; the ledger has \(size) entries (0…\(size - 1))")
            }
            return try self.location(of: seq)
        }
        return try files.line(seq: seq, at: location)
    }

    /// The lines of the entries in `range`. Lines that follow each other in a segment are read
    /// with one `pread` per run (at most 4 MiB) and their locations with one read of the index,
    /// not two reads per line: the projector reads the whole log this way.
    public func lines(in range: Range<Int64>) throws(StoreError) -> [[UInt8]] {
        guard !range.isEmpty else { return [] }
        let locations = try lock.locked { () throws(StoreError) -> [OffsetIndex.Location] in
            let size = indexed + Int64(tail.count)
            guard range.lowerBound >= 0, range.upperBound <= size else {
                throw StoreError(.outOfRange, "\(layout.directory): entries \(range.lowerBound)..<\(range.upperBound) do not all exist; the ledger has \(size) entries")
            }
            var out: [OffsetIndex.Location] = []
            out.reserveCapacity(range.count)
            let indexedEnd = min(range.upperBound, indexed)
            if range.lowerBound < indexedEnd {
                out += try files.offsets.locations(from: range.lowerBound, count: Int(indexedEnd - range.lowerBound))
            }
            var seq = max(range.lowerBound, indexed)
            while seq < range.upperBound {
                out.append(tail[Int(seq - indexed)].location)
                seq += 1
            }
            return out
        }
        var out: [[UInt8]] = []
        out.reserveCapacity(range.count)
        var first = 0
        while first < locations.count {
            // A run: each line starts right after the previous one's newline (a new segment starts
            // at offset 0, so a run never crosses segments).
            var end = first + 1
            var bytes = locations[first].length + 1
            while end < locations.count, bytes < 4 << 20,
                  locations[end].offset == locations[end - 1].offset + locations[end - 1].length + 1 {
                bytes += locations[end].length + 1
                end += 1
            }
            let seq = range.lowerBound + Int64(first)
            let (file, _) = try files.segment(holding: seq)
            let chunk = locations[first].length >= 0 ? try file.read(at: locations[first].offset, count: Int(bytes)) : []
            var position = 0
            var intact = chunk.count == Int(bytes)
            if intact {
                for index in first..<end {
                    let length = Int(locations[index].length)
                    guard length >= 0, chunk[position + length] == 0x0a else { intact = false; break }
                    out.append(Array(chunk[position..<(position + length)]))
                    position += length + 1
                }
            }
            if !intact {
                // Something is not where the index says: read line by line for the precise error.
                out.removeLast(out.count - first)
                for index in first..<end {
                    out.append(try files.line(seq: range.lowerBound + Int64(index), at: locations[index]))
                }
            }
            first = end
        }
        return out
    }

    /// Entry `seq`, parsed strictly.
    public func entry(at seq: Int64) throws(StoreError) -> Entry {
        try StoredEntry(line: try line(at: seq), seq: seq, directory: layout.directory).entry
    }

    /// Where entry `seq` is stored, for messages: its segment file and 1-based line in it (as
    /// of the last listing of `log/`).
    package func position(of seq: Int64) -> (file: String, line: Int64) {
        let segments = files.segmentList
        let first = segments.firstSeqs[segments.segmentIndex(of: seq)]
        return (layout.segment(firstSeq: first), seq - first + 1)
    }

    /// The leaf hash of entry `seq`, computed from its line.
    package func leafHash(at seq: Int64) throws(StoreError) -> Hash32 {
        Entry.leafHash(line: try line(at: seq), hash: hash)
    }

    // MARK: - Proofs

    /// Checks that the stored hashes cover a tree of `size` leaves.
    private func requireTree(size: Int64) throws(StoreError) {
        let covered = try files.hashes.coveredSize()
        guard size <= covered else {
            throw StoreError(.outOfRange, "\(layout.hashes) covers \(covered) entries, not \(size); the writer extends it as it appends (and repairs it when it opens)")
        }
    }

    /// The Merkle root of the first `size` entries.
    package func rootHash(size: Int64) throws -> Hash32 {
        try requireTree(size: size)
        return try MerkleTree.rootHash(size: size, reader: files.hashes, hash: hash)
    }

    /// The RFC 9162 inclusion proof of entry `seq` in the tree of the first `size` entries.
    package func inclusionProof(seq: Int64, size: Int64) throws -> [Hash32] {
        try requireTree(size: size)
        return try MerkleTree.inclusionProof(index: seq, size: size, reader: files.hashes, hash: hash)
    }

    /// The RFC 9162 consistency proof from the tree of `old` entries to the tree of `new`.
    package func consistencyProof(old: Int64, new: Int64) throws -> [Hash32] {
        try requireTree(size: new)
        return try MerkleTree.consistencyProof(old: old, new: new, reader: files.hashes, hash: hash)
    }

    // MARK: - Checkpoints

    /// The checkpoint store of this ledger.
    package var checkpoints: CheckpointStore { CheckpointStore(layout: layout, manifest: manifest) }
}
