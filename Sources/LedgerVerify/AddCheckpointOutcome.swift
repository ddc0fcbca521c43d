import LedgerCore

/// What a witness answers to a tlog-witness `add-checkpoint` request
/// (``TLogWitness/addCheckpoint(_:time:)``), one case per status of c2sp.org/tlog-witness.
package enum AddCheckpointOutcome: Hashable, Sendable {
    /// 200: `signatures` are the witness's cosignature lines (`— <name> <base64>\n`) on
    /// `checkpoint`, already remembered in the state file.
    case cosigned(signatures: String, checkpoint: Checkpoint)
    /// 400: the request is malformed (body, note, old size above the checkpoint's size, a
    /// proof where none belongs).
    case malformed(String)
    /// 403: no signature on the checkpoint verifies under a key the witness trusts for its origin.
    case forbidden(String)
    /// 404: the witness follows no log of this origin.
    case unknownOrigin(String)
    /// 409: `old` is not the size the witness cosigned last for this log (`size`, 0 for none),
    /// or the checkpoint has that size and another root (then a split view, with `evidence`).
    case conflict(size: Int64, message: String, evidence: String?)
    /// 422: the consistency proof does not verify (a wrong proof, or a fork: the request alone
    /// cannot tell, so no `evidence` file is kept for it).
    case inconsistent(message: String, evidence: String?)

    /// The HTTP status of the answer.
    package var status: Int {
        switch self {
        case .cosigned: 200
        case .malformed: 400
        case .forbidden: 403
        case .unknownOrigin: 404
        case .conflict: 409
        case .inconsistent: 422
        }
    }
}
