import LedgerCore
import LedgerCrypto

/// A log as proofs, tiles and `flowledger serve` read it, whatever store keeps it: a
/// ``LogReader`` that can also name where an entry lives in messages and hand out published
/// checkpoints with their signatures checked, plus the Merkle proofs over its stored hashes.
///
/// Contract: as ``LogReader``; ``checkpoint(size:)`` MUST return only a checkpoint whose note
/// opens under the ledger's operator key, and MUST throw ``StoreError/Code/outOfRange`` when none
/// of that size is published.
package protocol ServedLog: LogReader {
    /// Names the log in messages: a directory, a database.
    var name: String { get }
    /// Where entry `seq` is stored, for messages ("log/….jsonl line 3" or "… seq 2").
    func location(of seq: Int64) -> String
    /// What to run for a full report on a break found in this log (a sentence, for messages).
    var fullReportAdvice: String { get }
    /// The published checkpoint of `size` entries (the latest when nil), signature checked.
    func checkpoint(size: Int64?) throws -> (checkpoint: Checkpoint, note: String)
    /// MTH of the first `size` entries, from the stored hashes.
    func rootHash(size: Int64) throws -> Hash32
    /// The inclusion path of entry `seq` in the tree of `size` entries.
    func inclusionProof(seq: Int64, size: Int64) throws -> [Hash32]
    /// The consistency path from the tree of `old` entries to the one of `new`.
    func consistencyProof(old: Int64, new: Int64) throws -> [Hash32]
}

extension ServedLog {
    /// The ledger's hash function.
    package var hash: HashAlgorithm { manifest.suite.hash }

    package func location(of seq: Int64) -> String { "\(name) seq \(seq)" }

    /// A store's log is verified as segment files: exported first.
    package var fullReportAdvice: String {
        "export the log (`flowledger export --store \(name) DIR`) and run `flowledger verify DIR` for a full report"
    }

    package func checkpoint(size: Int64?) throws -> (checkpoint: Checkpoint, note: String) {
        guard let note = try checkpointNote(size: size) else {
            throw StoreError(.outOfRange, size.map { "\(name) has no published checkpoint of size \($0)" }
                             ?? "\(name) has no published checkpoint yet; the operator publishes one with `flowledger checkpoint` or `serve --operator-key`")
        }
        return (try opened(note, size: size), note)
    }

    /// The checkpoint in `note`, a published note of `size` entries (the latest when nil),
    /// once its signature opens under the ledger's operator key.
    package func opened(_ note: String, size: Int64?) throws -> Checkpoint {
        do {
            return try Checkpoint.open(Array(note.utf8), verifiers: [try manifest.operatorVerifierKey()], origin: manifest.origin).checkpoint
        } catch {
            throw StoreError(.damaged, "\(name): the published checkpoint\(size.map { " of size \($0)" } ?? "") does not open under the operator key (\(error)); it was not signed by this ledger's operator")
        }
    }

    package func rootHash(size: Int64) throws -> Hash32 { try MerkleTree.rootHash(size: size, reader: self, hash: hash) }

    package func inclusionProof(seq: Int64, size: Int64) throws -> [Hash32] {
        try MerkleTree.inclusionProof(index: seq, size: size, reader: self, hash: hash)
    }

    package func consistencyProof(old: Int64, new: Int64) throws -> [Hash32] {
        try MerkleTree.consistencyProof(old: old, new: new, reader: self, hash: hash)
    }
}
