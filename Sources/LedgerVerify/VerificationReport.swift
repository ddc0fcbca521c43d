import LedgerCore
import LedgerCrypto

/// What `flowledger verify` found: the log's extent, every checkpoint's result, the first
/// integrity break if there is one, and the policy findings. The verdict and exit code follow
/// from these (DESIGN §10).
///
/// Rendered for people by ``text`` and for scripts by ``json`` (a stable document: keys sorted,
/// absent values null, lowercase hex hashes).
public struct VerificationReport: Hashable, Sendable {
    /// The ledger directory, as given.
    public var directory: String
    /// The ledger's origin.
    public var origin: String
    /// The crypto suite.
    public var suite: Suite
    /// The operator's verifier key the checkpoints were checked under.
    public var operatorKey: String
    /// Whether that key was given by the regulator (`--vkey`) rather than read from `ledger.json`.
    public var operatorKeyTrusted: Bool
    /// Entries read from the log that passed every integrity rule.
    public var entries: Int64 = 0
    /// Segment files read.
    public var segments = 0
    /// Signatures verified (entries before a trusted checkpoint are not re-verified).
    public var signaturesChecked: Int64 = 0
    /// With `--from-checkpoint`: the size of the trusted checkpoint; entries before it were
    /// replayed for state, checked against its root, and not re-verified.
    public var trustedSize: Int64?
    /// With ``VerifyOptions/verifiedBefore``: the record those first ``trustedSize`` entries
    /// were taken from.
    public var remembered: VerifiedPrefix?
    /// What this verification proved, for the next one to remember (``VerifiedPrefix/write(to:)``):
    /// every entry read and its root; nil when the log is broken.
    public var proved: VerifiedPrefix?
    /// Every published checkpoint, by size.
    public var checkpoints: [CheckpointCheck] = []
    /// The first integrity break, or nil when the log is intact.
    public var firstBreak: IntegrityBreak?
    /// Policy findings (P1–P7) among the entries that passed the integrity rules, in log order.
    public var findings: [PolicyFinding] = []
    /// False when the replay stopped at ``firstBreak`` (later entries were not checked); a break
    /// found after a complete replay (a checkpoint that does not match) leaves it true.
    public var replayComplete = true
    /// Remarks that do not change the verdict (a torn last line, a key read from the ledger itself).
    public var notes: [String] = []

    /// An empty report for a ledger.
    package init(directory: String, origin: String, suite: Suite, operatorKey: String, operatorKeyTrusted: Bool) {
        self.directory = directory
        self.origin = origin
        self.suite = suite
        self.operatorKey = operatorKey
        self.operatorKeyTrusted = operatorKeyTrusted
    }

    /// Broken if any integrity rule is; otherwise policy violations if any finding; otherwise intact.
    public var verdict: Verdict {
        if firstBreak != nil { return .integrityBroken }
        return findings.isEmpty ? .intact : .policyViolations
    }

    /// Findings grouped by rule, rules in order, each group in log order.
    public var findingsByRule: [(rule: PolicyRule, findings: [PolicyFinding])] {
        let grouped = Dictionary(grouping: findings, by: \.rule)
        return grouped.keys.sorted().map { ($0, grouped[$0]!) }
    }
}
