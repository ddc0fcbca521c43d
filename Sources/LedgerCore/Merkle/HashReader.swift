import LedgerCrypto

/// Where the Merkle algorithms read stored hashes from (the idea of Go's `tlog.HashReader`): a
/// storage backend implements this one method, and proofs run over it without loading the log.
///
/// Hashes are addressed by ``StoredHashes/index(level:_:)``.
package protocol HashReader {
    /// Returns the stored hashes at `indexes`, in the same order. Implementations MUST return
    /// exactly `indexes.count` hashes or throw.
    func readHashes(at indexes: [Int64]) throws -> [Hash32]
}

/// An in-memory hash store in the stored-hash layout: for tests, and for callers that build a
/// tree from leaf hashes they already hold.
package final class MemoryHashStore: HashReader {
    /// The stored hashes, in ``StoredHashes`` order.
    package private(set) var hashes: [Hash32] = []
    /// How many leaves have been appended.
    package private(set) var size: Int64 = 0
    /// The suite hash.
    package let hash: HashAlgorithm

    /// An empty store for `hash`.
    package init(hash: HashAlgorithm) { self.hash = hash }

    /// Appends one leaf hash and the interior hashes it completes.
    package func append(leafHash: Hash32) throws {
        let new = try StoredHashes.hashesToStore(forLeaf: size, leafHash: leafHash, reader: self, hash: hash)
        hashes += new
        size += 1
    }

    /// See ``HashReader/readHashes(at:)``.
    package func readHashes(at indexes: [Int64]) throws -> [Hash32] {
        try indexes.map { index in
            guard index >= 0, index < Int64(hashes.count) else {
                throw MerkleError(.readFailed, "stored hash \(index) does not exist (store holds \(hashes.count))")
            }
            return hashes[Int(index)]
        }
    }

    /// The current root.
    package func root() throws -> Hash32 {
        try MerkleTree.rootHash(size: size, reader: self, hash: hash)
    }
}
