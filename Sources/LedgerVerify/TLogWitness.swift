import LedgerCore
import LedgerCrypto
import Synchronization

/// A witness that answers C2SP tlog-witness `add-checkpoint` requests (c2sp.org/tlog-witness,
/// DESIGN §11.5) with the same state file, rules and split-view evidence as
/// `flowledger witness cosign`: the decision is ``Witness/cosign(_:operatorKey:proof:state:time:)``'s,
/// and this type adds only what the protocol adds around it.
///
/// In the order c2sp.org/tlog-witness gives them:
/// 1. a body that is not `old <size>`, proof lines, a blank line and a checkpoint note: 400;
/// 2. an origin it follows no log of: 404; no signature by a key it trusts for that origin: 403;
/// 3. an old size above the checkpoint's size, or a proof where none belongs (from size 0, or
///    between equal sizes): 400;
/// 4. an old size other than the size it cosigned last for the log (0 for none): 409 with that
///    size — and the same size with another root: 409 too, a split view, with evidence;
/// 5. a consistency proof that fails: 422, a split view, with evidence written next to the state;
/// 6. otherwise the state file is rewritten (atomically, fsynced) and only then are the
///    cosignature lines returned.
///
/// Steps 4–6 run under one lock per witness — an in-process mutex and the state file's flock,
/// which `witness cosign` takes too — so two requests from the same old size never both succeed,
/// and a request can never roll the state back (the race the spec warns about).
///
/// ```swift
/// let witness = try TLogWitness(statePath: "witness.json", key: key, logs: [operatorVkey])
/// switch try witness.addCheckpoint(body, time: UInt64(Timestamp.now().seconds)) {
/// case .cosigned(let lines, _): print(lines, terminator: "")
/// case let other: print(other.status)
/// }
/// ```
package final class TLogWitness: Sendable {
    /// The state file (`flowledger witness init` makes it).
    package let statePath: String
    /// The cosigner.
    package let witness: Witness
    /// The operator verifier keys trusted, by log origin (the key name).
    package let logs: [String: [VerifierKey]]
    /// Serializes the read-decide-write of the state within this process.
    private let serial = Mutex(())

    /// A witness over the state at `statePath`, cosigning with `key` under the name the state
    /// records, for the logs whose operators' verifier keys are `logs`.
    /// - Throws: ``WitnessError`` when the state is missing or corrupt, or belongs to another key.
    package init(statePath: String, key: PrivateKey, logs: [VerifierKey]) throws(WitnessError) {
        let state = try WitnessState.load(from: statePath)
        let witness = try Witness(name: state.witnessKey.name, key: key)
        guard witness.verifierKey == state.witnessKey else {
            throw WitnessError(.wrongKey, "\(statePath) belongs to the witness \(state.witnessKey.string), but the key given makes \(witness.verifierKey.string); give that witness's private key")
        }
        self.statePath = statePath
        self.witness = witness
        self.logs = Dictionary(grouping: logs, by: \.name)
    }

    /// Handles one `add-checkpoint` body; see the type's rules.
    /// - Parameter time: the cosignature's timestamp, seconds since the epoch.
    /// - Throws: ``WitnessError`` only when the witness cannot work (its state file cannot be
    ///   read or written): an HTTP 500. Every refusal is an ``AddCheckpointOutcome``.
    package func addCheckpoint(_ body: [UInt8], time: UInt64) throws(WitnessError) -> AddCheckpointOutcome {
        let request: AddCheckpointRequest
        let note: Note
        let checkpoint: Checkpoint
        do {
            request = try AddCheckpointRequest(parsing: body)
        } catch {
            return .malformed(error.message)
        }
        do {
            note = try Note(parsing: request.checkpoint)
            checkpoint = try Checkpoint(text: note.text)
        } catch {
            return .malformed("the checkpoint after the blank line is not a signed checkpoint: \(error.message)")
        }
        guard let trusted = logs[checkpoint.origin] else {
            return .unknownOrigin("this witness follows no log with origin \(quotedForMessage(checkpoint.origin, limit: 128)); it follows \(logs.keys.sorted().joined(separator: ", "))")
        }
        let operatorKey: VerifierKey
        do {
            operatorKey = try Note.open(request.checkpoint, verifiers: trusted).verifiedBy[0]
        } catch {
            return .forbidden("the checkpoint of \(checkpoint.origin) carries no valid signature by a key this witness trusts for it: \(error.message)")
        }
        guard request.oldSize <= checkpoint.size else {
            return .malformed("old size \(request.oldSize) is larger than the checkpoint's size \(checkpoint.size); send the size this witness cosigned last")
        }
        guard request.proof.isEmpty || (request.oldSize > 0 && request.oldSize < checkpoint.size) else {
            return .malformed("a consistency proof from size \(request.oldSize) to \(checkpoint.size) is empty, but \(request.proof.count) hashes were sent")
        }
        return try serial.withLock { _ throws(WitnessError) -> AddCheckpointOutcome in
            do {
                return try AtomicFile.withLock(statePath) {
                    try self.decide(request, checkpoint: checkpoint, operatorKey: operatorKey, time: time)
                }
            } catch let error as WitnessError {
                throw error
            } catch {
                throw WitnessError(.io, "\(statePath): \(error)")
            }
        }
    }

    /// Steps 4–6, holding the lock.
    private func decide(_ request: AddCheckpointRequest, checkpoint: Checkpoint, operatorKey: VerifierKey,
                        time: UInt64) throws(WitnessError) -> AddCheckpointOutcome {
        let state = try WitnessState.load(from: statePath)
        let cosignedSize = state.latest(origin: checkpoint.origin)?.checkpoint.size ?? 0
        guard request.oldSize == cosignedSize else {
            return .conflict(size: cosignedSize, message: "this witness cosigned \(checkpoint.origin) last at size \(cosignedSize), not \(request.oldSize); send a consistency proof from size \(cosignedSize)", evidence: nil)
        }
        let proof = ProofFile.Consistency(path: request.proof, old: request.oldSize, new: checkpoint.size)
        let decision: WitnessDecision
        do {
            decision = try witness.cosign(request.checkpoint, operatorKey: operatorKey, proof: proof, state: state, time: time)
        } catch where error.code == .malformedInput || error.code == .proofNeeded {
            return .malformed(error.message)
        }
        switch decision {
        case .cosigned(let note, let cosigned, let next):
            // Read back before it is kept: a note that cannot be is never written.
            let lines = try ownLines(note)
            if next != state { try next.save(to: statePath) }
            return .cosigned(signatures: lines, checkpoint: cosigned)
        case .alreadyCosigned(let note, let cosigned):
            return .cosigned(signatures: try ownLines(note), checkpoint: cosigned)
        case .refused(let refusal):
            let message = ([refusal.message] + refusal.details).joined(separator: "; ")
            switch refusal.reason {
            case .badSignature:
                return .forbidden(message)
            case .splitView where refusal.evidence?.reason == .inconsistent:
                // Whoever posted this chose the proof: a proof that fails shows a wrong proof or a
                // fork, and proves neither. No evidence file (anyone could fill the disk with them);
                // two signed roots for one size are proof, and are kept below.
                let detail = refusal.evidence?.detail ?? message
                return .inconsistent(message: "the consistency proof does not verify: \(detail); NOT cosigned, the witness state is unchanged. A failing proof comes from the request, so it is not kept as evidence of a fork; send the proof `flowledger prove DIR --old \(request.oldSize) --new \(checkpoint.size)` gives", evidence: nil)
            case .splitView:
                // Once per fork: the same signed checkpoints offered again add no file.
                let path = try refusal.evidence?.writeOnce(directory: AtomicFile.parent(of: statePath))
                let withEvidence = message + (path.map { "; the witness kept both signed checkpoints as evidence in \($0)" } ?? "")
                if refusal.evidence?.reason == .sameSizeDifferentRoot {
                    return .conflict(size: cosignedSize, message: withEvidence, evidence: path)
                }
                return .inconsistent(message: withEvidence, evidence: path)
            }
        }
    }

    /// This witness's cosignature lines in a cosigned note.
    private func ownLines(_ note: String) throws(WitnessError) -> String {
        let key = witness.verifierKey
        let lines: String
        do {
            lines = try Note(parsing: Array(note.utf8)).signatures.filter { $0.isBy(key) }.map(\.line).joined()
        } catch {
            throw WitnessError(.corruptState, "the cosigned note cannot be read back: \(error.message)")
        }
        guard !lines.isEmpty else {
            throw WitnessError(.corruptState, "the cosigned note carries no cosignature by \(key.string)")
        }
        return lines
    }
}
