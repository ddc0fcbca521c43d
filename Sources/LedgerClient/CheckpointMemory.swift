import LedgerCore
import LedgerCrypto
import LedgerVerify
import LedgerWire
import Synchronization

/// The latest checkpoint a client has verified, and the rule that every other checkpoint the
/// server shows must be consistent with it (DESIGN §8): same size, same root; another size, an
/// RFC 9162 consistency proof between the two that verifies. A server that forks or rewrites
/// history cannot pass, and when it tries, both signed checkpoints are kept as evidence in the
/// split-view format `witness` writes.
///
/// Kept in memory, or in a file (the note text, cosignatures included) replaced atomically, so
/// the promise holds across runs of the participant's program.
final class CheckpointMemory: Sendable {
    /// A checkpoint opened under the operator key, with its note text.
    struct Remembered: Sendable {
        let checkpoint: Checkpoint
        let note: String
    }

    /// What ``check(_:source:against:proof:)`` concluded.
    enum Outcome: Sendable {
        /// Consistent with what was remembered (now the larger of the two is).
        case consistent(Checkpoint)
        /// Another checkpoint was remembered meanwhile: check again against it.
        case moved(Remembered)
    }

    let operatorKey: VerifierKey
    let witnesses: [VerifierKey]
    let file: String?
    private let state: Mutex<Remembered?>
    /// The size of the checkpoint in ``file``, held while the file is written: writes never
    /// overlap, and the file only ever grows to the largest checkpoint remembered.
    private let written: Mutex<Int64>

    /// Memory for checkpoints signed by `operatorKey` (and cosigned by every witness), loaded
    /// from `file` when it exists.
    init(operatorKey: VerifierKey, witnesses: [VerifierKey], file: String?) throws(LedgerClientError) {
        self.operatorKey = operatorKey
        self.witnesses = witnesses
        self.file = file
        var loaded: Remembered?
        if let file, AtomicFile.exists(file) {
            let bytes: [UInt8]
            do {
                bytes = try AtomicFile.read(file, limit: Note.maxBytes)
            } catch {
                throw LedgerClientError(.usage, "\(file): cannot read the remembered checkpoint: \(error.message)")
            }
            do {
                let (checkpoint, _) = try Checkpoint.open(bytes, verifiers: [operatorKey], origin: operatorKey.name)
                loaded = Remembered(checkpoint: checkpoint, note: String(decoding: bytes, as: UTF8.self))
            } catch {
                throw LedgerClientError(.usage, "\(file): the remembered checkpoint does not verify under the operator key \(operatorKey.shortName): \(error.message); is it the file of another ledger? Move it away to start over (only if you trust the server now)")
            }
        }
        state = Mutex(loaded)
        written = Mutex(loaded?.checkpoint.size ?? -1)
    }

    /// The checkpoint remembered now, if any.
    var latest: Remembered? { state.withLock { $0 } }

    /// Opens the note in `bytes` under the operator key and requires every witness's
    /// cosignature; `source` names it in messages.
    func open(_ bytes: [UInt8], source: String) throws(LedgerClientError) -> Remembered {
        let checkpoint: Checkpoint
        let note: Note
        do {
            (checkpoint, note) = try Checkpoint.open(bytes, verifiers: [operatorKey], origin: operatorKey.name)
        } catch {
            throw LedgerClientError(.untrustworthy, "\(source): the checkpoint does not verify under the operator key \(operatorKey.shortName): \(error.message); do not trust this server's answers")
        }
        let statuses = CosignatureCheck.verify(note: note, witnesses: witnesses)
        let missing = witnesses.filter { !statuses[$0]!.isValid }
        if !missing.isEmpty {
            let lines = missing.map { CosignatureCheck.describe($0, statuses[$0]!) }.joined(separator: "; ")
            throw LedgerClientError(.untrustworthy, "\(source): checkpoint \(checkpoint.origin) size \(checkpoint.size) lacks a required cosignature: \(lines)")
        }
        return Remembered(checkpoint: checkpoint, note: String(decoding: bytes, as: UTF8.self))
    }

    /// Checks `offered` against `base` (what ``latest`` was when the caller fetched `proof`, the
    /// consistency proof between the two sizes, smaller first; empty for equal sizes), and
    /// remembers the larger. Throws ``LedgerClientError/Code/splitView`` when they contradict.
    func check(_ offered: Remembered, against base: Remembered?, proof: [Hash32]) throws(LedgerClientError) -> Outcome {
        if let base {
            try Self.requireConsistent(base, offered, proof: proof, hash: operatorKey.publicKey.suite.hash, evidenceDirectory: file.map(AtomicFile.parent(of:)))
        }
        let outcome: Outcome? = state.withLock { current in
            guard current?.note == base?.note else { return .moved(current!) }
            if base == nil || offered.checkpoint.size > base!.checkpoint.size { current = offered }
            return nil
        }
        if let outcome { return outcome }
        if let file, base == nil || offered.checkpoint.size > base!.checkpoint.size {
            // What is remembered now (a concurrent check may have moved it further), written
            // only if larger than the file's: two checks in one process once wrote the same
            // temporary file, and the smaller could land last.
            try written.withLock { (size: inout Int64) throws(LedgerClientError) in
                guard let current = latest, current.checkpoint.size > size else { return }
                do throws(WitnessError) {
                    try AtomicFile.write(Array(current.note.utf8), to: file)
                } catch {
                    throw LedgerClientError(.usage, "\(file): cannot remember the checkpoint: \(error.message)")
                }
                size = current.checkpoint.size
            }
        }
        return .consistent(offered.checkpoint)
    }

    /// Throws a split view unless `a` and `b` can both be true: equal roots at equal sizes, or a
    /// consistency proof from the smaller to the larger that verifies.
    private static func requireConsistent(_ a: Remembered, _ b: Remembered, proof: [Hash32], hash: HashAlgorithm,
                                          evidenceDirectory: String?) throws(LedgerClientError) {
        let (old, new) = a.checkpoint.size <= b.checkpoint.size ? (a, b) : (b, a)
        if old.checkpoint.size == new.checkpoint.size {
            guard old.checkpoint.root != new.checkpoint.root else { return }
            throw splitView(.sameSizeDifferentRoot, "two different roots for size \(old.checkpoint.size)", remembered: a, offered: b, proof: [], evidenceDirectory: evidenceDirectory)
        }
        do {
            try ConsistencyProof(old: old.checkpoint.size, new: new.checkpoint.size, path: proof).verify(old: old.checkpoint, new: new.checkpoint, hash: hash)
        } catch {
            throw splitView(.inconsistent, "size \(new.checkpoint.size) does not extend size \(old.checkpoint.size): \(error)", remembered: a, offered: b, proof: proof, evidenceDirectory: evidenceDirectory)
        }
    }

    private static func splitView(_ reason: SplitViewEvidence.Reason, _ detail: String, remembered: Remembered, offered: Remembered,
                                  proof: [Hash32], evidenceDirectory: String?) -> LedgerClientError {
        let origin = remembered.checkpoint.origin
        let evidence = SplitViewEvidence(origin: origin, reason: reason, cosigned: remembered.note, offered: offered.note, proof: proof,
                                         detail: detail, detected: UInt64(UnixTime.now()))
        var saved: String?
        var keep = "keep both checkpoints: remembered size \(remembered.checkpoint.size) root \(remembered.checkpoint.root.base64), offered size \(offered.checkpoint.size) root \(offered.checkpoint.root.base64)"
        if let evidenceDirectory {
            do {
                saved = try evidence.write(directory: evidenceDirectory)
                keep = "both signed checkpoints are saved as evidence in \(saved!)"
            } catch {
                keep += " (the evidence could not be saved: \(error.message))"
            }
        }
        return LedgerClientError(.splitView, "SPLIT VIEW of log \(origin): \(detail); the server showed two histories that cannot both be true; \(keep); report it to the ledger's regulator",
                                 evidencePath: saved)
    }

}
