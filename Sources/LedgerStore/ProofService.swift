import LedgerCore
import LedgerCrypto


/// Proofs from a ledger (a directory, or any store) against its published checkpoints. Every proof is verified
/// against the checkpoint before it is handed out, so damaged derived files can never yield a
/// proof that a regulator would then reject. Works from any process, while a writer appends.
///
/// ```swift
/// let proofs = ProofService(reader: try LedgerReader(directory: "/var/lib/flowledger/exchange"))
/// try proofs.inclusionProof(seq: 517).text.write(toFile: "entry-517.tlog-proof", atomically: true, encoding: .utf8)
/// let (consistency, oldNote, newNote) = try proofs.consistencyProof(old: 1000)
/// ```
public struct ProofService: Sendable {
    /// Behind a reference: a client module that sees only the public surface must still know
    /// this struct's layout, which a stored `any ServedLog` (a package protocol) would hide.
    private let box: LogBox
    private var log: any ServedLog { box.log }

    /// Proofs over `reader`'s ledger directory.
    public init(reader: LedgerReader) { box = LogBox(DirectoryLog(reader)) }

    /// The ledger's hash function (what its proofs are in).
    public var hash: HashAlgorithm { log.hash }

    /// Proofs over `log`, wherever it is stored.
    package init(log: any ServedLog) { box = LogBox(log) }

    /// A tlog-proof that entry `seq` is in the checkpoint of `checkpointSize` (latest when nil).
    public func inclusionProof(seq: Int64, checkpointSize: Int64? = nil) throws -> TLogProof {
        let (checkpoint, note) = try log.checkpoint(size: checkpointSize)
        guard seq >= 0, seq < checkpoint.size else {
            throw StoreError(.outOfRange, "entry \(seq) is not covered by the checkpoint of size \(checkpoint.size) (it covers entries 0…\(checkpoint.size - 1)); publish a newer checkpoint with `flowledger checkpoint`")
        }
        let line = try log.lines(in: seq..<(seq + 1))[0]
        let proof = TLogProof(extra: line, index: seq, path: try log.inclusionProof(seq: seq, size: checkpoint.size), checkpoint: note)
        do {
            // The checkpoint's signature was checked when it was loaded; what is left to check
            // is that the path leads from this line to its root.
            try MerkleTree.verifyInclusion(index: seq, size: checkpoint.size, leafHash: Entry.leafHash(line: line, hash: log.hash),
                                           proof: proof.path, root: checkpoint.root, hash: log.hash)
        } catch {
            throw StoreError(.damaged, "the proof of entry \(seq) does not verify against the checkpoint of size \(checkpoint.size) (\(error)): the log or its stored hashes changed after the checkpoint. Verify \(log.name) (`flowledger verify`, on an export for a database): verify replays the log itself, so if it says intact, only the stored hashes (index/hashes, derived) are damaged, and deleting the ledger's index/ directory rebuilds them at the next open")
        }
        return proof
    }

    /// A consistency proof from the checkpoint of `old` entries to the one of `new` (latest
    /// when nil), with both signed checkpoint notes.
    public func consistencyProof(old: Int64, new: Int64? = nil) throws -> (proof: ConsistencyProof, old: String, new: String) {
        let (oldCheckpoint, oldNote) = try log.checkpoint(size: old)
        let (newCheckpoint, newNote) = try log.checkpoint(size: new)
        guard oldCheckpoint.size <= newCheckpoint.size else {
            throw StoreError(.outOfRange, "the old checkpoint (size \(oldCheckpoint.size)) must not be larger than the new one (size \(newCheckpoint.size))")
        }
        let path = oldCheckpoint.size == 0 || oldCheckpoint.size == newCheckpoint.size
            ? [] : try log.consistencyProof(old: oldCheckpoint.size, new: newCheckpoint.size)
        let proof = ConsistencyProof(old: oldCheckpoint.size, new: newCheckpoint.size, path: path)
        do {
            try proof.verify(old: oldCheckpoint, new: newCheckpoint, hash: log.hash)
        } catch {
            throw StoreError(.damaged, "the checkpoints of sizes \(oldCheckpoint.size) and \(newCheckpoint.size) are not consistent (\(error)): history was rewritten between them. Verify \(log.name) (`flowledger verify`, on an export for a database)")
        }
        return (proof, oldNote, newNote)
    }
}

/// Holds a ``ServedLog`` for a public value type.
private final class LogBox: Sendable {
    let log: any ServedLog
    init(_ log: any ServedLog) { self.log = log }
}
