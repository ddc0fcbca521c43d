import LedgerCore
import LedgerCrypto

/// Offline checks of inclusion and consistency proofs against signed checkpoints (DESIGN §8,
/// §10 `verify-proof`): a regulator needs the proof files and the operator's verifier key, no
/// ledger. The hash follows the key's suite (Ed25519 → SHA-256, SM2 → SM3).
///
/// Each check opens the checkpoint note under the operator's key, then requires a valid
/// cosignature from every witness key given (``CosignatureCheck``), then checks the Merkle proof
/// (RFC 9162 §2.1.3–2.1.4). A failure at any step is a ``ProofReport`` with verdict
/// ``Verdict/integrityBroken``; only inputs that cannot be read as notes or proofs throw
/// (``NoteError``, with the file named by `source`).
///
/// ```swift
/// let proof = try ProofFile.inclusion(Array(try String(contentsOfFile: "entry-5.tlog-proof").utf8))
/// let report = try ProofCheck.inclusion(proof, operatorKey: try VerifierKey(string: vkey))
/// ```
public enum ProofCheck {
    /// Checks an inclusion proof.
    /// - Parameters:
    ///   - proof: a tlog-proof (carries its checkpoint and entry line) or the JSON form.
    ///   - checkpoint: the signed checkpoint note; required for JSON, optional for a tlog-proof
    ///     (then it must have the same text as the embedded one, e.g. a copy with cosignatures).
    ///   - source: the checkpoint's file name, for messages.
    ///   - operatorKey: the operator's verifier key.
    ///   - witnesses: witness keys whose cosignatures are required on the checkpoint.
    public static func inclusion(_ proof: ProofFile.Inclusion, checkpoint: [UInt8]? = nil, source: String = "checkpoint",
                                 operatorKey: VerifierKey, witnesses: [VerifierKey] = []) throws(NoteError) -> ProofReport {
        let hash = operatorKey.publicKey.suite.hash
        let noteBytes: [UInt8]
        let index: Int64
        let leaf: Hash32
        let path: [Hash32]
        var entryLine: [UInt8]?
        var expectedSize: Int64?
        switch proof {
        case .tlogProof(let tlog):
            guard let extra = tlog.extra else {
                throw NoteError(.malformedProof, "the tlog-proof has no extra line with the entry; FlowLedger proofs carry the entry line there (make one with `flowledger prove DIR --seq N`)")
            }
            if let checkpoint {
                let given = try parseNote(checkpoint, source: source)
                let embedded = try parseNote(Array(tlog.checkpoint.utf8), source: "the tlog-proof's checkpoint")
                guard given.text == embedded.text else {
                    throw NoteError(.malformedProof, "\(source) is not the checkpoint the tlog-proof was made for (their texts differ); give the checkpoint of the same size, or leave out --checkpoint")
                }
            }
            noteBytes = checkpoint ?? Array(tlog.checkpoint.utf8)
            (index, leaf, path, entryLine) = (tlog.index, Entry.leafHash(line: extra, hash: hash), tlog.path, extra)
        case .json(let jsonIndex, let jsonLeaf, let jsonPath, let size):
            guard let checkpoint else {
                throw NoteError(.malformedProof, "a JSON inclusion proof carries no checkpoint; give the signed checkpoint of size \(size) with --checkpoint FILE")
            }
            noteBytes = checkpoint
            (index, leaf, path, expectedSize) = (jsonIndex, jsonLeaf, jsonPath, size)
        }
        let opened: OpenedCheckpoint
        switch try open(noteBytes, source: source, operatorKey: operatorKey, witnesses: witnesses) {
        case .failed(let report): return report
        case .opened(let value): opened = value
        }
        let checkpoint = opened.checkpoint
        if let expectedSize, expectedSize != checkpoint.size {
            throw NoteError(.malformedProof, "the proof was made for a checkpoint of size \(expectedSize), but \(source) is of size \(checkpoint.size); give the checkpoint of size \(expectedSize), or make the proof with `flowledger prove DIR --seq \(index) --size \(checkpoint.size) --json`")
        }
        let statement = "entry \(index) is in checkpoint \(checkpoint.origin) size \(checkpoint.size) root \(checkpoint.root.base64)"
        do {
            try MerkleTree.verifyInclusion(index: index, size: checkpoint.size, leafHash: leaf, proof: path, root: checkpoint.root, hash: hash)
        } catch {
            return .broken("entry \(index) is NOT proven to be in checkpoint \(checkpoint.origin) size \(checkpoint.size) root \(checkpoint.root.base64): \(error)",
                           ["the entry line, the index or a path hash was changed, or the proof is for another checkpoint"], checkpoint: checkpoint)
        }
        var details: [String] = []
        if let entryLine {
            guard let entry = try? Entry(line: entryLine) else {
                return .broken("the proof holds for the bytes in the tlog-proof's extra line, but they are not a FlowLedger entry line", checkpoint: checkpoint)
            }
            guard entry.seq == index else {
                return .broken("the entry line in the tlog-proof says seq \(entry.seq), but it is proven at index \(index)", checkpoint: checkpoint)
            }
            details.append("entry seq \(entry.seq) type \(entry.event.type.rawValue) author \(entry.event.author) id \(entry.event.id) time \(entry.time.text)")
        } else {
            details.append("leaf hash \(leaf.hex)")
        }
        return ProofReport(verdict: .intact, summary: statement, details: details + opened.details, checkpoint: checkpoint)
    }

    /// Checks that the checkpoint in `new` extends the one in `old` (history was appended to,
    /// not rewritten): both signed by `operatorKey`, same origin, RFC 9162 consistency proof.
    /// - Parameters:
    ///   - oldSource, newSource: the files' names, for messages.
    ///   - witnesses: witness keys whose cosignatures are required on the new checkpoint.
    public static func consistency(old: [UInt8], oldSource: String = "old checkpoint", new: [UInt8], newSource: String = "checkpoint",
                                   proof: ProofFile.Consistency, operatorKey: VerifierKey, witnesses: [VerifierKey] = []) throws(NoteError) -> ProofReport {
        let oldOpened: OpenedCheckpoint
        switch try open(old, source: oldSource, operatorKey: operatorKey, witnesses: []) {
        case .failed(let report): return report
        case .opened(let value): oldOpened = value
        }
        let newOpened: OpenedCheckpoint
        switch try open(new, source: newSource, operatorKey: operatorKey, witnesses: witnesses) {
        case .failed(let report): return report
        case .opened(let value): newOpened = value
        }
        let (a, b) = (oldOpened.checkpoint, newOpened.checkpoint)
        guard a.origin == b.origin else {
            throw NoteError(.wrongOrigin, "\(oldSource) is for log \"\(a.origin)\" but \(newSource) is for log \"\(b.origin)\"; a consistency proof relates two checkpoints of one log")
        }
        guard a.size <= b.size else {
            throw NoteError(.malformedProof, "\(oldSource) is of size \(a.size), larger than \(newSource) of size \(b.size); the old checkpoint goes in --old-checkpoint, the newer in --checkpoint")
        }
        let checked = try proof.proof(old: a.size, new: b.size)
        do {
            try checked.verify(old: a, new: b, hash: operatorKey.publicKey.suite.hash)
        } catch {
            return .broken("checkpoint \(b.origin) size \(b.size) root \(b.root.base64) (\(newSource)) does NOT extend size \(a.size) root \(a.root.base64) (\(oldSource)): \(error)", [
                "history was rewritten, or the proof is for other checkpoints",
                "both checkpoints are signed by \(operatorKey.shortName); keep both files: together they are evidence",
            ], checkpoint: b)
        }
        return ProofReport(verdict: .intact, summary: "checkpoint \(b.origin) size \(b.size) root \(b.root.base64) extends size \(a.size) root \(a.root.base64)",
                           details: newOpened.details, checkpoint: b)
    }

    // MARK: - Checkpoints

    /// A checkpoint whose operator signature (and requested cosignatures) verified.
    struct OpenedCheckpoint {
        let checkpoint: Checkpoint
        let note: Note
        /// `signed by …` and `cosigned by …` lines.
        let details: [String]
    }

    /// A checkpoint opened, or the report of why it cannot be trusted.
    enum Opening {
        case opened(OpenedCheckpoint)
        case failed(ProofReport)
    }

    /// Opens a signed checkpoint; a bad or missing signature or cosignature is a failed report,
    /// bytes that are not a checkpoint note throw.
    static func open(_ bytes: [UInt8], source: String, operatorKey: VerifierKey, witnesses: [VerifierKey]) throws(NoteError) -> Opening {
        let note = try parseNote(bytes, source: source)
        do {
            _ = try Note.open(bytes, verifiers: [operatorKey])
        } catch {
            let body = try? Checkpoint(text: note.text)
            let what = body.map { "checkpoint \($0.origin) size \($0.size) root \($0.root.base64)" } ?? "the checkpoint"
            return .failed(.broken("\(what) in \(source) does not verify under the operator key \(operatorKey.shortName): \(error.message)"))
        }
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            throw NoteError(error.code, "\(source): \(error.message)")
        }
        var details = ["signed by \(operatorKey.shortName)"]
        let statuses = CosignatureCheck.verify(note: note, witnesses: witnesses)
        var failed: [String] = []
        for witness in witnesses {
            let line = CosignatureCheck.describe(witness, statuses[witness]!)
            if statuses[witness]!.isValid { details.append(line) } else { failed.append(line) }
        }
        if !failed.isEmpty {
            return .failed(.broken("checkpoint \(checkpoint.origin) size \(checkpoint.size) in \(source) lacks a required cosignature", failed, checkpoint: checkpoint))
        }
        return .opened(OpenedCheckpoint(checkpoint: checkpoint, note: note, details: details))
    }

    static func parseNote(_ bytes: [UInt8], source: String) throws(NoteError) -> Note {
        do {
            return try Note(parsing: bytes)
        } catch {
            throw NoteError(error.code, "\(source): not a signed checkpoint: \(error.message)")
        }
    }

}
