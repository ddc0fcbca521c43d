import LedgerCore

/// What a witness decided about a checkpoint (``Witness/cosign(_:operatorKey:proof:state:time:)``).
package enum WitnessDecision: Hashable, Sendable {
    /// Cosigned: `note` is the checkpoint with the witness's cosignature line added, and `state`
    /// is the state to save (unchanged when the checkpoint is older than the one remembered).
    case cosigned(note: String, checkpoint: Checkpoint, state: WitnessState)
    /// This exact checkpoint was cosigned before: `note` is the note as cosigned then. Nothing to save.
    case alreadyCosigned(note: String, checkpoint: Checkpoint)
    /// Not cosigned; the state must not change.
    case refused(WitnessRefusal)
}

/// Why a witness refused to cosign a checkpoint, with the evidence.
package struct WitnessRefusal: Hashable, Sendable {
    /// The kind of refusal.
    package enum Reason: String, Hashable, Sendable {
        /// The checkpoint's signature does not verify under the operator's verifier key.
        case badSignature = "bad-signature"
        /// The checkpoint contradicts one the witness cosigned: see ``WitnessRefusal/evidence``.
        case splitView = "split-view"
    }

    /// The kind of refusal.
    package let reason: Reason
    /// One line: what is wrong.
    package let message: String
    /// Further lines: the sizes and roots of both checkpoints, what to do.
    package let details: [String]
    /// For a split view: both signed notes, to be written next to the state.
    package let evidence: SplitViewEvidence?

    /// Creates a refusal.
    package init(reason: Reason, message: String, details: [String] = [], evidence: SplitViewEvidence? = nil) {
        self.reason = reason
        self.message = message
        self.details = details
        self.evidence = evidence
    }
}
