import LedgerCore

/// What an offline proof check (``ProofCheck``, `flowledger verify-proof`) concluded: the
/// statement that was proven, or what failed with the evidence (sizes, roots, key ids, files).
///
/// A proof that does not hold is a report with verdict ``Verdict/integrityBroken``, not an
/// error: errors are for inputs that cannot be checked at all (malformed files).
///
/// ```swift
/// let report = try ProofCheck.inclusion(.tlogProof(proof), operatorKey: vkey)
/// print(report.summary)          // entry 5 is in checkpoint exchange.sh.gov.example/2026 size 7 root …
/// exit(report.verdict.exitCode)  // 0 holds, 1 does not
/// ```
public struct ProofReport: Hashable, Sendable {
    /// ``Verdict/intact`` when everything holds, ``Verdict/integrityBroken`` otherwise.
    public let verdict: Verdict
    /// One line: what was proven, or what does not hold and why.
    public let summary: String
    /// Further lines: the entry proven, who signed and cosigned the checkpoint, what to do.
    public let details: [String]
    /// The checkpoint proven against (for consistency, the newer one), once its signature verified.
    public let checkpoint: Checkpoint?

    /// Creates a report.
    package init(verdict: Verdict, summary: String, details: [String] = [], checkpoint: Checkpoint? = nil) {
        self.verdict = verdict
        self.summary = summary
        self.details = details
        self.checkpoint = checkpoint
    }

    /// True when the proof and every signature asked for hold.
    public var holds: Bool { verdict == .intact }

    /// A report that the check failed.
    static func broken(_ summary: String, _ details: [String] = [], checkpoint: Checkpoint? = nil) -> ProofReport {
        ProofReport(verdict: .integrityBroken, summary: summary, details: details, checkpoint: checkpoint)
    }
}
