import LedgerCore
import LedgerStore

/// A PostgreSQL store's log copied into a ledger directory, byte for byte (DESIGN §12): what
/// `flowledger export --store` writes, and what the server's report of a store is built from.
/// Every entry is checked as `verify` checks it while it is copied (``LogCopyWriter``), and every
/// published checkpoint the copy reaches is checked against the copy's Merkle root before it is
/// kept. Run again on the same directory, it copies only what is new.
package enum StoreExport {
    /// What one run copied.
    package struct Result: Sendable {
        /// Entries copied by this run.
        package let added: Int64
        /// Entries in the copy.
        package let size: Int64
        /// Checkpoints published into the copy.
        package let checkpoints: Int
    }

    /// Copies `source` into `directory` (created, or an earlier export of the same ledger, extended).
    /// - Throws: ``StoreError``: ``StoreError/Code/rejected`` when the store's log breaks a rule
    ///   or a checkpoint does not match it (the entries before it stay exported); others when a
    ///   side cannot be read or written, or `directory` holds another ledger.
    package static func run(from source: PostgresStore, to directory: String) throws(StoreError) -> Result {
        let copy = Directory.exists(LedgerLayout(directory: directory).manifest)
            ? try LogCopyWriter.open(directory: directory) : try LogCopyWriter.create(directory: directory, manifest: source.manifest)
        defer { copy.close() }
        guard copy.manifest == source.manifest else {
            throw StoreError(.alreadyExists, "\(directory) holds another ledger (\(copy.manifest.origin)) than \(source.address) (\(source.manifest.origin)); export to a new directory")
        }
        let before = copy.size
        let target = try source.size()
        while copy.size < target {
            let lines = try source.lines(in: copy.size..<Swift.min(target, copy.size + 4096))
            do {
                try copy.commit(try copy.check(lines))
            } catch {
                throw StoreError(error.code, "\(source.address): \(error.message); the entries before it were exported to \(directory)")
            }
        }
        let verifier: VerifierKey
        do { verifier = try source.manifest.operatorVerifierKey() } catch {
            throw StoreError(.damaged, "\(source.address): the ledger's operator key does not read: \(error)")
        }
        var published = 0
        for size in try source.checkpointSizes() where size <= copy.size {
            guard let note = try source.checkpointNote(size: size) else { continue }
            let checkpoint: Checkpoint
            do {
                checkpoint = try Checkpoint.open(Array(note.utf8), verifiers: [verifier], origin: source.manifest.origin).checkpoint
            } catch {
                throw StoreError(.rejected, "\(source.address): the checkpoint of size \(size) does not open under the operator key: \(error)")
            }
            guard checkpoint.size == size, try copy.root(size: size) == checkpoint.root else {
                throw StoreError(.rejected, "\(source.address): the checkpoint of size \(size) does not match the log's Merkle root at that size; the log was rewritten after it was signed")
            }
            try copy.publish(checkpoint: note, size: size)
            published += 1
        }
        return Result(added: copy.size - before, size: copy.size, checkpoints: published)
    }
}
