import LedgerCore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#endif

/// `index/hashes`: the Merkle tree's stored hashes, 32 bytes each, in Go `sumdb/tlog`'s
/// stored-hash order (``StoredHashes``). A tree of n leaves stores ``StoredHashes/count(size:)``
/// hashes; each is written once and never changes, so proofs read O(log n) of them with `pread`
/// and never load the log. Derived from the segments: rebuilt or extended when behind.
final class HashFile: HashReader, Sendable {
    private let file: PosixFile

    /// Opens (creating when `writable`) the hash file at `path`.
    init(path: String, writable: Bool) throws(StoreError) {
        file = try PosixFile(path: path, flags: writable ? (O_RDWR | O_CREAT) : O_RDONLY)
    }

    /// How many whole hashes the file holds.
    func count() throws(StoreError) -> Int64 { try file.size() / 32 }

    /// The largest tree size whose stored hashes are all in the file.
    func coveredSize() throws(StoreError) -> Int64 {
        let stored = try count()
        // count(size) grows by 1 + trailingOnes(size-1) per leaf: search the largest size that fits.
        var low: Int64 = 0
        var high = stored
        while low < high {
            let mid = (low + high + 1) / 2
            if StoredHashes.count(size: mid) <= stored { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// See ``HashReader/readHashes(at:)``: one `pread` per hash.
    package func readHashes(at indexes: [Int64]) throws -> [Hash32] {
        try indexes.map { index throws(StoreError) in
            let bytes = try file.read(at: index * 32, count: 32)
            guard bytes.count == 32 else {
                throw StoreError(.outOfRange, "\(file.path): stored hash \(index) is beyond the end of the file; the hash file is behind the log (the writer repairs it when it opens)")
            }
            return bytes.withUnsafeBytes { Hash32(copying: $0) }
        }
    }

    /// Writes `hashes` from stored index `first` on.
    func write(_ hashes: [Hash32], from first: Int64) throws(StoreError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(hashes.count * 32)
        for hash in hashes { hash.withUnsafeBytes { bytes.append(contentsOf: $0) } }
        try file.write(bytes, at: first * 32)
    }

    /// Keeps the stored hashes of a tree of `size` leaves.
    func truncate(toSize size: Int64) throws(StoreError) { try file.truncate(to: StoredHashes.count(size: size) * 32) }
}

/// The right edge of the tree — the most recent complete subtree at each level — which is all
/// that appending a leaf reads (``StoredHashes/hashesToStore(forLeaf:leafHash:reader:hash:)``).
/// Kept in memory by the writer so appends do no reads.
package struct TreeFrontier: HashReader {
    private var hashes: [Int64: Hash32] = [:]
    /// The number of leaves of the tree whose right edge this is.
    package private(set) var size: Int64 = 0

    /// The frontier of a tree of `size` leaves, read from `reader`.
    package init(size: Int64, reader: some HashReader) throws {
        self.size = size
        var indexes: [Int64] = []
        var level = 0
        while size >> Int64(level) > 0 {
            indexes.append(StoredHashes.index(level: level, (size >> Int64(level)) - 1))
            level += 1
        }
        for (index, hash) in zip(indexes, try reader.readHashes(at: indexes)) { hashes[index] = hash }
    }

    /// An empty tree's frontier.
    package init() {}

    /// The frontier's stored hashes at `indexes` (``HashReader``); any other index is an error.
    package func readHashes(at indexes: [Int64]) throws -> [Hash32] {
        try indexes.map { index in
            guard let hash = hashes[index] else {
                throw MerkleError(.readFailed, "the tree frontier does not hold stored hash \(index)")
            }
            return hash
        }
    }

    /// Appends a leaf; returns the stored hashes to write, from stored index ``StoredHashes/count(size:)`` of the old size.
    @discardableResult
    package mutating func append(leafHash: Hash32, hash: HashAlgorithm) throws -> [Hash32] {
        let new = try StoredHashes.hashesToStore(forLeaf: size, leafHash: leafHash, reader: self, hash: hash)
        // new[l] is the complete subtree at level l ending at this leaf: the frontier at level l.
        for (level, value) in new.enumerated() {
            let index = StoredHashes.index(level: level, ((size + 1) >> Int64(level)) - 1)
            if let old = oldFrontierIndex(level: level) { hashes[old] = nil }
            hashes[index] = value
        }
        size += 1
        return new
    }

    private func oldFrontierIndex(level: Int) -> Int64? {
        let complete = size >> Int64(level)
        return complete > 0 ? StoredHashes.index(level: level, complete - 1) : nil
    }
}
