import LedgerCore
import LedgerCrypto

/// A Merkle tree's stored hashes (the layout of ``StoredHashes``) held in memory, in stored
/// order: what a client builds from a server's entries to make a proof itself.
struct StoredHashArray: HashReader {
    /// The stored hashes, stored index 0 first.
    var hashes: [Hash32] = []

    /// The hashes at `indexes` (``HashReader``).
    func readHashes(at indexes: [Int64]) throws -> [Hash32] {
        try indexes.map { index in
            guard index >= 0, index < hashes.count else {
                throw MerkleError(.readFailed, "stored hash \(index) is beyond the \(hashes.count) held")
            }
            return hashes[Int(index)]
        }
    }
}
