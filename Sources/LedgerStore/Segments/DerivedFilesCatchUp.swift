import LedgerCore
import LedgerCrypto

/// The writer's derived files — the offset index and the stored hashes — brought level with
/// the log while the log is replayed at open, one stretch of entries at a time.
///
/// Each stretch is checked where it meets what the files already hold (the last record they
/// share with the log must describe the same line), and what lies beyond them is written.
/// A replay that flushes a stretch whenever it writes a state snapshot holds only the entries
/// since the last one in memory, whatever the size of the log; and every snapshot it writes
/// covers only indexed and hashed entries, as a snapshot must.
struct DerivedFilesCatchUp {
    private let files: LogFiles
    private let hash: HashAlgorithm
    /// Entries the offset index held when the replay began (lowered to the log's size at the end).
    private var indexCount: Int64
    /// Entries the stored hashes covered when the replay began (likewise).
    private var hashCovered: Int64
    /// The seq of the first entry in hand.
    private var base: Int64
    private var locations: [OffsetIndex.Location] = []
    private var leaves: [Hash32] = []
    /// The tree's right edge, once the replay went past what the stored hashes covered.
    private var frontier: TreeFrontier?
    /// Entries this replay wrote to the offset index.
    private(set) var indexedEntries: Int64 = 0
    /// Entries this replay added to the stored hashes.
    private(set) var hashedEntries: Int64 = 0

    /// Starts at entry `first` (where the replay starts), with the files as they are. Hash
    /// bytes past the last complete entry (a write cut short) are dropped now: the stretches
    /// after them are written where they begin.
    init(files: LogFiles, hash: HashAlgorithm, first: Int64) throws(StoreError) {
        self.files = files
        self.hash = hash
        indexCount = try files.offsets.count()
        hashCovered = try files.hashes.coveredSize()
        try files.hashes.truncate(toSize: hashCovered)
        base = first
    }

    /// The next replayed entry: where its line is and its leaf hash.
    mutating func add(_ location: OffsetIndex.Location, leaf: Hash32) {
        locations.append(location)
        leaves.append(leaf)
    }

    /// Checks the entries in hand against the files and writes what they lack; then starts
    /// afresh after them.
    mutating func flush() throws(StoreError) {
        let end = base + Int64(locations.count)
        let layout = files.layout
        // The last record each stretch shares with the files is compared with the log, also
        // when the files go on past it: every snapshot a replay writes names an entry checked
        // so (a log cut back and its new last line edited is caught here, not trusted).
        let lastIndexed = min(indexCount, end) - 1
        if lastIndexed >= base, try files.offsets.location(of: lastIndexed) != locations[Int(lastIndexed - base)] {
            throw Self.mismatch(layout, layout.offsets, seq: lastIndexed)
        }
        if end > indexCount {
            let from = max(indexCount, base)
            try files.offsets.write(Array(locations[Int(from - base)...]), from: from)
            indexedEntries += end - from
        }
        let lastHashed = min(hashCovered, end) - 1
        if lastHashed >= base, try storedLeaf(lastHashed) != leaves[Int(lastHashed - base)] {
            throw Self.mismatch(layout, layout.hashes, seq: lastHashed)
        }
        if end > hashCovered {
            let from = max(hashCovered, base)
            do {
                if frontier == nil { frontier = try TreeFrontier(size: from, reader: files.hashes) }
                var added: [Hash32] = []
                for leaf in leaves[Int(from - base)...] { added += try frontier!.append(leafHash: leaf, hash: hash) }
                try files.hashes.write(added, from: StoredHashes.count(size: from))
            } catch let error as StoreError {
                throw error
            } catch {
                throw StoreError(.io, "\(layout.hashes): cannot rebuild the stored hashes: \(error)")
            }
            hashedEntries += end - from
        }
        base = end
        locations.removeAll(keepingCapacity: true)
        leaves.removeAll(keepingCapacity: true)
    }

    /// The replay ended with the log at `size` entries (every one of them added): files that
    /// held more are cut back to it, the rest is checked and written, and the tree's right
    /// edge is returned for the appends to come.
    mutating func finish(size: Int64) throws(StoreError) -> TreeFrontier {
        precondition(base + Int64(locations.count) == size, "every replayed entry is added before finish(size:)")
        if indexCount > size {
            try files.offsets.truncate(to: size)
            indexCount = size
        }
        if hashCovered > size {
            try files.hashes.truncate(toSize: size)
            hashCovered = size
        }
        try flush()
        if let frontier { return frontier }
        do {
            return try TreeFrontier(size: size, reader: files.hashes)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(files.layout.hashes): cannot read the tree's right edge at size \(size): \(error)")
        }
    }

    private func storedLeaf(_ seq: Int64) throws(StoreError) -> Hash32 {
        do {
            return try files.hashes.readHashes(at: [StoredHashes.index(level: 0, seq)])[0]
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(files.layout.hashes): cannot read the stored leaf hash of entry \(seq): \(error)")
        }
    }

    /// The writer's refusal when a derived file describes another log.
    static func mismatch(_ layout: LedgerLayout, _ path: String, seq: Int64) -> StoreError {
        StoreError(.damaged, "\(path) disagrees with the log at entry \(seq): the log was changed after it was indexed, or the derived files come from another copy. Run `flowledger verify \(layout.directory)`; if the log verifies, delete \(layout.index) and reopen to rebuild it")
    }
}
