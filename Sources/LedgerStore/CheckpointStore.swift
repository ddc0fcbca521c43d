import Foundation
import LedgerCore
import LedgerCrypto
import Synchronization

/// `checkpoints/`: every checkpoint the operator published, as a signed note named by its tree
/// size (`<size>.checkpoint`), and `latest`, a copy of the newest. Files are written atomically
/// (temporary file, fsync, rename), so a reader sees a whole checkpoint or none.
package struct CheckpointStore: Sendable {
    /// Where the files are.
    package let layout: LedgerLayout
    /// The ledger's manifest (origin and operator key).
    package let manifest: LedgerManifest

    /// The checkpoint store of the ledger described by `manifest` at `layout`.
    package init(layout: LedgerLayout, manifest: LedgerManifest) {
        self.layout = layout
        self.manifest = manifest
    }

    /// The operator's verifier key (C2SP note key: `origin+<key id>+<base64>`).
    package func operatorVerifierKey() throws -> VerifierKey { try manifest.operatorVerifierKey() }

    /// The sizes of all published checkpoints, ascending.
    package func sizes() throws(StoreError) -> [Int64] {
        guard Directory.exists(layout.checkpoints) else { return [] }
        return try Directory.list(layout.checkpoints).compactMap(LedgerLayout.checkpointSize(ofFileNamed:)).sorted()
    }

    /// The signed checkpoint of `size` (the latest when nil), verified under the operator's key.
    package func load(size: Int64? = nil) throws -> (checkpoint: Checkpoint, note: String) {
        let path: String
        if let size {
            path = layout.checkpoint(size: size)
            guard Directory.exists(path) else {
                // The latest size, read from `latest` alone (parsed, not verified: it only words
                // the message): listing `checkpoints/` (one file a second on a busy log) for a
                // message a stranger can ask for would cost a lot.
                let latest = (try? Directory.readFile(layout.latestCheckpoint, limit: Note.maxBytes))
                    .flatMap { bytes in try? Checkpoint(text: Note(parsing: bytes).text).size }
                let published = latest.map { "the latest published is of size \($0)" } ?? "none is published yet (run `flowledger checkpoint`)"
                throw StoreError(.outOfRange, "no checkpoint of size \(size) was published; \(published)")
            }
        } else {
            path = layout.latestCheckpoint
            guard Directory.exists(path) else {
                throw StoreError(.outOfRange, "\(layout.directory) has no published checkpoint yet; publish one with `flowledger checkpoint \(layout.directory) --key OPERATOR.pem`")
            }
        }
        let bytes = try Directory.readFile(path, limit: Note.maxBytes)
        do {
            let verifier = try operatorVerifierKey()
            let checkpoint = try VerifiedNotes.shared.checkpoint(bytes, verifier: verifier, origin: manifest.origin)
            return (checkpoint, String(decoding: bytes, as: UTF8.self))
        } catch let error as NoteError {
            throw StoreError(.damaged, "\(path): not a checkpoint signed by this ledger's operator: \(error)")
        }
    }

    /// Publishes a signed checkpoint note: `<size>.checkpoint`, then `latest`.
    /// - Throws: if a different checkpoint of the same size was published before (a second root
    ///   for one size would be a split view).
    package func publish(_ note: String, size: Int64) throws(StoreError) {
        try Directory.create(layout.checkpoints)
        let path = layout.checkpoint(size: size)
        let bytes = Array(note.utf8)
        if Directory.exists(path) {
            let existing = try Directory.readFile(path, limit: Note.maxBytes)
            let oldBody = existing.split(separator: 0x0a, omittingEmptySubsequences: false).prefix(3)
            let newBody = bytes.split(separator: 0x0a, omittingEmptySubsequences: false).prefix(3)
            guard Array(oldBody) == Array(newBody) else {
                throw StoreError(.damaged, "\(path) already holds a checkpoint of size \(size) with a different root; the log changed under a published checkpoint — run `flowledger verify \(layout.directory)`")
            }
        }
        try Directory.writeAtomically(bytes, to: path, directory: layout.checkpoints)
        if let latest = try sizes().last, latest > size { return }
        try Directory.writeAtomically(bytes, to: layout.latestCheckpoint, directory: layout.checkpoints)
    }
}

/// Checkpoint notes whose signatures this process has already checked, so a program that hands
/// out many proofs against the same checkpoint verifies its signature once (an SM2 verify costs
/// about half a millisecond). Keyed by H(verifier key || note bytes): the same bytes under the
/// same key always verify the same way. Bounded; forgotten when full.
final class VerifiedNotes: Sendable {
    static let shared = VerifiedNotes()
    private static let capacity = 4096
    private let verified = Mutex<Set<Hash32>>([])

    /// The checkpoint in `bytes`, its signature checked under `verifier` unless already seen.
    func checkpoint(_ bytes: [UInt8], verifier: VerifierKey, origin: String) throws(NoteError) -> Checkpoint {
        let key = HashAlgorithm.sha256.hash(Array(verifier.string.utf8) + [0x0a] + bytes)
        if verified.withLock({ $0.contains(key) }) {
            let checkpoint = try Checkpoint(text: Note(parsing: bytes).text)
            if checkpoint.origin == origin { return checkpoint }
        }
        let (checkpoint, _) = try Checkpoint.open(bytes, verifiers: [verifier], origin: origin)
        verified.withLock { verified in
            if verified.count >= Self.capacity { verified.removeAll() }
            verified.insert(key)
        }
        return checkpoint
    }
}
