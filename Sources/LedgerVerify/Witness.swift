import LedgerCore
import LedgerCrypto

/// A witness (a regulator, another operator) that cosigns a log's checkpoints only after
/// checking that each one extends the last it cosigned (DESIGN §8, c2sp.org/tlog-cosignature).
/// Its cosignature line — type 0x04, `timestamp(8 bytes, big-endian) || Ed25519` over
/// `"cosignature/v1\ntime <ts>\n" || checkpoint text` — tells everyone who trusts the witness
/// that the operator showed it this history and no other.
///
/// The rules, checked in this order:
/// 1. the checkpoint verifies under the operator's key and names the key's log; else refused;
/// 2. no checkpoint of that log remembered: cosign;
/// 3. same size as the remembered one: the same root is cosigned again (the identical note is
///    returned as cosigned then); another root is a split view, refused with evidence;
/// 4. another size: a consistency proof between the two is required (its direction follows the
///    sizes); if it fails, a split view, refused with evidence; if it holds, cosign — and
///    remember the checkpoint if it is the larger one.
///
/// So a witness never cosigns two different roots for one size.
///
/// ```swift
/// let witness = try Witness(name: "regulator.example", key: witnessKey)
/// let state = try WitnessState.load(from: "witness.json")
/// switch try witness.cosign(noteBytes, operatorKey: operatorVkey, proof: proof, state: state, time: now) {
/// case .cosigned(let note, _, let next): try next.save(to: "witness.json"); print(note, terminator: "")
/// case .alreadyCosigned(let note, _): print(note, terminator: "")
/// case .refused(let refusal): print(refusal.message)
/// }
/// ```
package struct Witness: Sendable {
    /// The signer that makes cosignature lines.
    package let signer: NoteSigner

    /// A witness named `name` (its key name in cosignature lines) with an Ed25519 `key`.
    package init(name: String, key: PrivateKey) throws(WitnessError) {
        do {
            signer = try NoteSigner(name: name, key: key, cosigner: true)
        } catch {
            throw WitnessError(.wrongKey, error.message)
        }
    }

    /// The witness's cosigner verifier key (`name+<8 hex>+base64(0x04 || key)`), which
    /// verifiers pass as `--witness-key`.
    package var verifierKey: VerifierKey { signer.verifierKey }

    /// Decides whether to cosign the checkpoint note in `bytes`; see the type's rules.
    /// - Parameters:
    ///   - operatorKey: the log operator's verifier key.
    ///   - proof: a consistency proof between the remembered checkpoint and this one, when the
    ///     state remembers one of another size.
    ///   - state: what the witness cosigned so far; must belong to this witness's key.
    ///   - time: the cosignature's timestamp, seconds since the epoch.
    /// - Throws: ``WitnessError`` if the decision cannot be made: malformed note or proof, state
    ///   of another witness, a needed proof missing.
    package func cosign(_ bytes: [UInt8], operatorKey: VerifierKey, proof: ProofFile.Consistency?, state: WitnessState,
                       time: UInt64) throws(WitnessError) -> WitnessDecision {
        guard state.witnessKey == verifierKey else {
            throw WitnessError(.wrongKey, "the witness key given makes \(verifierKey.shortName), but the state belongs to \(state.witnessKey.shortName); use that witness's key and name")
        }
        let note: Note
        do {
            note = try Note(parsing: bytes)
        } catch {
            throw WitnessError(.malformedInput, "not a signed checkpoint: \(error.message)")
        }
        do {
            _ = try Note.open(bytes, verifiers: [operatorKey])
        } catch {
            return .refused(WitnessRefusal(reason: .badSignature, message: "the checkpoint does not verify under the operator key \(operatorKey.shortName): \(error.message)",
                                           details: ["nothing was cosigned; check that --vkey is this log's operator key"]))
        }
        // The note as the operator signed it: its text and the operator's line (which just
        // verified), without lines of keys this witness does not know (c2sp.org/tlog-witness:
        // they are ignored). This is what the state keeps and what evidence quotes: kept, a
        // note padded with such lines up to a note's limits (100 lines, 1 MiB) could no longer
        // be read back once the witness's own line was added, and that state stopped the
        // witness for good; varied padding made each replay of a fork new evidence.
        let signed = try! Note(text: note.text, signatures: note.signatures.filter { $0.isBy(operatorKey) })
        let bytes = Array(signed.serialized.utf8)
        let checkpoint: Checkpoint
        do {
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            throw WitnessError(.malformedInput, "the signed note is not a checkpoint: \(error.message)")
        }
        guard checkpoint.origin == operatorKey.name else {
            throw WitnessError(.wrongKey, "the checkpoint is for log \"\(checkpoint.origin)\", but the operator key \(operatorKey.shortName) is named \"\(operatorKey.name)\"; pass that log's operator key")
        }
        guard let (previous, previousNote) = state.latest(origin: checkpoint.origin) else {
            return try cosign(note, signed: signed, checkpoint, remember: true, state: state, time: time)
        }
        let seen = "already cosigned: \(checkpoint.origin) size \(previous.size) root \(previous.root.base64)"
        let offered = "offered:          \(checkpoint.origin) size \(checkpoint.size) root \(checkpoint.root.base64)"
        if previous.size == checkpoint.size {
            guard previous.root == checkpoint.root else {
                return splitView(.sameSizeDifferentRoot, "two different roots for size \(checkpoint.size)", seen, offered,
                                 previousNote: previousNote, bytes: bytes, proof: [], time: time)
            }
            if let stored = try? Note(parsing: Array(previousNote.utf8)), stored.text == note.text {
                // The note as it came, with the cosignature given before (the state keeps only
                // the operator's line and this witness's: another witness's, in a chain, stays).
                let whole = note.adding(stored.signatures.filter { $0.isBy(signer.verifierKey) })
                return .alreadyCosigned(note: whole.isWithinLimits ? whole.serialized : previousNote, checkpoint: checkpoint)
            }
            return try cosign(note, signed: signed, checkpoint, remember: true, state: state, time: time)
        }
        let (older, newer) = previous.size < checkpoint.size ? (previous, checkpoint) : (checkpoint, previous)
        guard let proof else {
            throw WitnessError(.proofNeeded, "this witness already cosigned \(checkpoint.origin) at size \(previous.size); to cosign size \(checkpoint.size) it needs a consistency proof between them: run `flowledger prove DIR --old \(older.size) --new \(newer.size)` and pass it with --proof")
        }
        let consistency: ConsistencyProof
        do {
            consistency = try proof.proof(old: older.size, new: newer.size)
        } catch {
            throw WitnessError(.malformedInput, error.message)
        }
        do {
            try consistency.verify(old: older, new: newer, hash: operatorKey.publicKey.suite.hash)
        } catch {
            return splitView(.inconsistent, "size \(newer.size) does not extend size \(older.size): \(error)", seen, offered,
                             previousNote: previousNote, bytes: bytes, proof: consistency.path, time: time)
        }
        return try cosign(note, signed: signed, checkpoint, remember: checkpoint.size > previous.size, state: state, time: time)
    }

    /// Cosigns `note`; with `remember`, the next state holds `signed` (its text and the
    /// operator's line) with the cosignature as the latest for its log. The note returned keeps
    /// every line it came with (other witnesses' cosignatures, for `witness cosign` in a chain)
    /// when that stays within a note's limits, else it is `signed`'s.
    private func cosign(_ note: Note, signed: Note, _ checkpoint: Checkpoint, remember: Bool, state: WitnessState, time: UInt64) throws(WitnessError) -> WitnessDecision {
        let line: Note.Signature
        do {
            line = try signer.signature(over: note.text, timestamp: time)
        } catch {
            throw WitnessError(.wrongKey, "cannot cosign with the witness key: \(error)")
        }
        let kept = signed.adding([line]).serialized
        let whole = note.adding([line])
        let text = whole.isWithinLimits ? whole.serialized : kept
        return .cosigned(note: text, checkpoint: checkpoint, state: remember ? state.recording(kept, origin: checkpoint.origin) : state)
    }

    private func splitView(_ reason: SplitViewEvidence.Reason, _ detail: String, _ seen: String, _ offered: String,
                           previousNote: String, bytes: [UInt8], proof: [Hash32], time: UInt64) -> WitnessDecision {
        let offeredNote = String(decoding: bytes, as: UTF8.self)
        let origin = (try? Checkpoint(text: Note(parsing: bytes).text).origin) ?? ""
        let evidence = SplitViewEvidence(origin: origin, reason: reason, cosigned: previousNote, offered: offeredNote, proof: proof, detail: detail, detected: time)
        return .refused(WitnessRefusal(reason: .splitView, message: "SPLIT VIEW of log \(origin): \(detail); the operator signed two histories that cannot both be true",
                                       details: [seen, offered, "NOT cosigned; the witness state is unchanged"], evidence: evidence))
    }

}
