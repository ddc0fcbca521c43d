import LedgerCrypto

/// The Merkle tree of RFC 9162 §2.1 over the ledger's leaf hashes, with inclusion and
/// consistency proofs — byte-compatible with Certificate Transparency and Go's `sumdb/tlog` when
/// the hash is SHA-256. Proven by the RFC 6962 reference vectors in `MerkleTreeTests`.
///
///     MTH({})        = H()                                   (empty tree)
///     MTH({d0})      = H(0x00 || d0)                          (leaf; callers pass leaf hashes)
///     MTH(D[0:n])    = H(0x01 || MTH(D[0:k]) || MTH(D[k:n]))  k = largest power of 2 < n
///
/// Every function reads the O(log n) stored hashes it needs in one ``HashReader`` call.
package enum MerkleTree {
    // MARK: - Roots

    /// The root of the first `size` leaves.
    package static func rootHash(size: Int64, reader: some HashReader, hash: HashAlgorithm) throws -> Hash32 {
        guard size > 0 else { return emptyRoot(hash) }
        let plan = RangePlan([(0, size)])
        let hashes = try plan.read(reader)
        return plan.hashes(from: hashes, hash: hash)[0]
    }

    /// The root of an empty tree: H of the empty string (RFC 9162 §2.1.1).
    package static func emptyRoot(_ hash: HashAlgorithm) -> Hash32 { hash.hash([UInt8]()) }

    /// The root of `leafHashes` computed directly (no stored hashes); for tests and small trees.
    package static func rootHash(leafHashes: some Collection<Hash32>, hash: HashAlgorithm) -> Hash32 {
        let leaves = Array(leafHashes)
        guard !leaves.isEmpty else { return emptyRoot(hash) }
        func mth(_ lo: Int, _ hi: Int) -> Hash32 {
            if hi - lo == 1 { return leaves[lo] }
            let k = largestPowerOfTwo(below: Int64(hi - lo))
            return hash.node(mth(lo, lo + Int(k)), mth(lo + Int(k), hi))
        }
        return mth(0, leaves.count)
    }

    // MARK: - Proofs

    /// PATH(index, D[0:size]) (RFC 9162 §2.1.3.1): the sibling hashes from the leaf up.
    package static func inclusionProof(index: Int64, size: Int64, reader: some HashReader, hash: HashAlgorithm) throws -> [Hash32] {
        guard index >= 0, index < size else {
            throw MerkleError(.invalidRange, "cannot prove entry \(index) in a tree of \(size) entries; the index must be below the size")
        }
        var ranges: [(Int64, Int64)] = []
        collectPath(index, 0, size, into: &ranges)
        let plan = RangePlan(ranges)
        return plan.hashes(from: try plan.read(reader), hash: hash)
    }

    /// PROOF(old, D[0:new]) (RFC 9162 §2.1.4.1): the consistency proof between two sizes.
    /// Empty when `old == new`; `old` must be at least 1.
    package static func consistencyProof(old: Int64, new: Int64, reader: some HashReader, hash: HashAlgorithm) throws -> [Hash32] {
        guard old >= 1, old <= new else {
            throw MerkleError(.invalidRange, "cannot prove consistency from size \(old) to size \(new); need 1 ≤ old ≤ new")
        }
        var ranges: [(Int64, Int64)] = []
        collectSubproof(old, 0, new, complete: true, into: &ranges)
        let plan = RangePlan(ranges)
        return plan.hashes(from: try plan.read(reader), hash: hash)
    }

    /// PATH recursion over absolute ranges [lo, hi): appends the ranges whose roots form the path.
    private static func collectPath(_ m: Int64, _ lo: Int64, _ hi: Int64, into ranges: inout [(Int64, Int64)]) {
        guard hi - lo > 1 else { return }
        let k = largestPowerOfTwo(below: hi - lo)
        if m < lo + k {
            collectPath(m, lo, lo + k, into: &ranges)
            ranges.append((lo + k, hi))
        } else {
            collectPath(m, lo + k, hi, into: &ranges)
            ranges.append((lo, lo + k))
        }
    }

    /// SUBPROOF(m, D[lo:hi], b) over absolute positions.
    private static func collectSubproof(_ m: Int64, _ lo: Int64, _ hi: Int64, complete: Bool, into ranges: inout [(Int64, Int64)]) {
        if m == hi {
            if !complete { ranges.append((lo, hi)) }
            return
        }
        let k = largestPowerOfTwo(below: hi - lo)
        if m <= lo + k {
            collectSubproof(m, lo, lo + k, complete: complete, into: &ranges)
            ranges.append((lo + k, hi))
        } else {
            collectSubproof(m, lo + k, hi, complete: false, into: &ranges)
            ranges.append((lo, lo + k))
        }
    }

    // MARK: - Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)

    /// The root that `proof` implies for leaf `index` of a `size`-leaf tree with `leafHash`.
    package static func rootFromInclusionProof(index: Int64, size: Int64, leafHash: Hash32, proof: [Hash32], hash: HashAlgorithm) throws -> Hash32 {
        guard index >= 0, index < size else {
            throw MerkleError(.invalidRange, "entry \(index) is not in a tree of \(size) entries")
        }
        var fn = index
        var sn = size - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else {
                throw MerkleError(.wrongProofLength, "inclusion proof for entry \(index) in a tree of \(size) has too many hashes (\(proof.count))")
            }
            if fn & 1 == 1 || fn == sn {
                r = hash.node(p, r)
                shiftWhileLeftChild(&fn, &sn)
            } else {
                r = hash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw MerkleError(.wrongProofLength, "inclusion proof for entry \(index) in a tree of \(size) has too few hashes (\(proof.count))")
        }
        return r
    }

    /// Checks that `proof` shows leaf `index` with `leafHash` is in the `size`-leaf tree `root`.
    package static func verifyInclusion(index: Int64, size: Int64, leafHash: Hash32, proof: [Hash32], root: Hash32, hash: HashAlgorithm) throws {
        let computed = try rootFromInclusionProof(index: index, size: size, leafHash: leafHash, proof: proof, hash: hash)
        guard computed == root else {
            throw MerkleError(.rootMismatch, "inclusion proof for entry \(index) leads to root \(computed.hex), but the tree of size \(size) has root \(root.hex)")
        }
    }

    /// Checks that the tree of `newSize` leaves with `newRoot` extends the tree of `oldSize`
    /// leaves with `oldRoot` (history was appended to, not rewritten).
    package static func verifyConsistency(oldSize: Int64, newSize: Int64, oldRoot: Hash32, newRoot: Hash32, proof: [Hash32], hash: HashAlgorithm) throws {
        guard oldSize >= 0, oldSize <= newSize else {
            throw MerkleError(.invalidRange, "cannot check consistency from size \(oldSize) to the smaller size \(newSize)")
        }
        if oldSize == newSize {
            guard proof.isEmpty else {
                throw MerkleError(.wrongProofLength, "a consistency proof between equal sizes must be empty, found \(proof.count) hashes")
            }
            guard oldRoot == newRoot else {
                throw MerkleError(.rootMismatch, "two different roots for the same size \(oldSize): \(oldRoot.hex) and \(newRoot.hex)")
            }
            return
        }
        if oldSize == 0 {
            // Every tree extends the empty tree; there is nothing to prove.
            guard proof.isEmpty else {
                throw MerkleError(.wrongProofLength, "a consistency proof from the empty tree must be empty, found \(proof.count) hashes")
            }
            return
        }
        guard !proof.isEmpty else {
            throw MerkleError(.wrongProofLength, "consistency proof from size \(oldSize) to \(newSize) is empty")
        }
        var path = proof
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: 0) }  // old tree is a complete subtree
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            guard sn != 0 else {
                throw MerkleError(.wrongProofLength, "consistency proof from size \(oldSize) to \(newSize) has too many hashes (\(proof.count))")
            }
            if fn & 1 == 1 || fn == sn {
                fr = hash.node(c, fr)
                sr = hash.node(c, sr)
                shiftWhileLeftChild(&fn, &sn)
            } else {
                sr = hash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else {
            throw MerkleError(.wrongProofLength, "consistency proof from size \(oldSize) to \(newSize) has too few hashes (\(proof.count))")
        }
        guard fr == oldRoot else {
            throw MerkleError(.rootMismatch, "consistency proof implies root \(fr.hex) for size \(oldSize), but the old checkpoint says \(oldRoot.hex): history before entry \(oldSize) was rewritten or the proof is wrong")
        }
        guard sr == newRoot else {
            throw MerkleError(.rootMismatch, "consistency proof implies root \(sr.hex) for size \(newSize), but the new checkpoint says \(newRoot.hex)")
        }
    }

    /// RFC 9162 §2.1.3.2 step 4b / §2.1.4.2 step 6b: "if LSB(fn) is not set, right-shift both fn
    /// and sn equally until either LSB(fn) is set or fn is 0".
    private static func shiftWhileLeftChild(_ fn: inout Int64, _ sn: inout Int64) {
        while fn & 1 == 0 && fn != 0 {
            fn >>= 1
            sn >>= 1
        }
    }

    /// The largest power of two strictly below `n` (n ≥ 2): the split point k of RFC 9162.
    static func largestPowerOfTwo(below n: Int64) -> Int64 {
        Int64(1) << Int64(63 - (n - 1).leadingZeroBitCount)
    }
}

/// The stored hashes needed for the roots of a list of leaf ranges, read in one batch.
///
/// A range [lo, hi) produced by the proof recursions is covered by aligned complete subtrees
/// (each one stored hash); its root folds those right to left.
private struct RangePlan {
    private let ranges: [(Int64, Int64)]
    private let indexes: [Int64]
    private let counts: [Int]

    init(_ ranges: [(Int64, Int64)]) {
        var indexes: [Int64] = []
        var counts: [Int] = []
        for (lo, hi) in ranges {
            var start = lo
            var count = 0
            while start < hi {
                // The largest aligned subtree starting at `start` that fits in [start, hi).
                var level = start == 0 ? 62 : start.trailingZeroBitCount
                while (Int64(1) << Int64(level)) > hi - start { level -= 1 }
                indexes.append(StoredHashes.index(level: level, start >> Int64(level)))
                start += Int64(1) << Int64(level)
                count += 1
            }
            counts.append(count)
        }
        self.ranges = ranges
        self.indexes = indexes
        self.counts = counts
    }

    func read(_ reader: some HashReader) throws -> [Hash32] {
        let hashes = try reader.readHashes(at: indexes)
        guard hashes.count == indexes.count else {
            throw MerkleError(.readFailed, "hash reader returned \(hashes.count) hashes for \(indexes.count) requested")
        }
        return hashes
    }

    func hashes(from stored: [Hash32], hash: HashAlgorithm) -> [Hash32] {
        var out: [Hash32] = []
        out.reserveCapacity(counts.count)
        var offset = 0
        for count in counts {
            let parts = stored[offset..<offset + count]
            var root = parts.last!
            for part in parts.dropLast().reversed() { root = hash.node(part, root) }
            out.append(root)
            offset += count
        }
        return out
    }
}
