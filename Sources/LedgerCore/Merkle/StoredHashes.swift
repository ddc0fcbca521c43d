import LedgerCrypto

/// The stored-hash layout of Go's `golang.org/x/mod/sumdb/tlog` (Crosby–Wallach post-order):
/// appending leaf n writes its leaf hash, then the hash of every complete subtree that leaf n
/// closes — 1 + (trailing one bits of n) hashes, written once and never changed.
///
/// The hash at (level l, index k) covers leaves [k·2^l, (k+1)·2^l). It is written right after
/// leaf m = (k+1)·2^l − 1 and the l−1 hashes below it, so
///
///     index(0, m) = Σ_{j≥0} ⌊m / 2^j⌋        (every complete subtree ending before leaf m)
///     index(l, k) = index(0, (k+1)·2^l − 1) + l
///     count(n)    = index(0, n−1) + 1 + trailingOnes(n−1)
package enum StoredHashes {
    /// Position of the hash at (`level`, `k`) in the stored sequence.
    package static func index(level: Int, _ k: Int64) -> Int64 {
        let m = ((k + 1) << Int64(level)) - 1
        var total: Int64 = 0
        var x = m
        while x > 0 {
            total += x
            x >>= 1
        }
        return total + Int64(level)
    }

    /// How many hashes a tree of `size` leaves stores.
    package static func count(size: Int64) -> Int64 {
        guard size > 0 else { return 0 }
        let last = size - 1
        return index(level: 0, last) + 1 + Int64((~last).trailingZeroBitCount)
    }

    /// The hashes to append when leaf `n` (0-based) with `leafHash` is added to a tree of n
    /// leaves: [leaf, level 1, level 2, …]; each higher one is H(0x01 || left sibling || below).
    package static func hashesToStore(forLeaf n: Int64, leafHash: Hash32, reader: some HashReader, hash: HashAlgorithm) throws -> [Hash32] {
        let levels = (~n).trailingZeroBitCount  // trailing one bits of n
        var siblings: [Int64] = []
        for level in 0..<levels {
            siblings.append(index(level: level, (n >> Int64(level)) - 1))
        }
        let left = try reader.readHashes(at: siblings)
        guard left.count == siblings.count else {
            throw MerkleError(.readFailed, "hash reader returned \(left.count) hashes for \(siblings.count) requested")
        }
        var out = [leafHash]
        var current = leafHash
        for sibling in left {
            current = hash.node(sibling, current)
            out.append(current)
        }
        return out
    }
}
