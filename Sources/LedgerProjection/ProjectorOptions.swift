import LedgerCore

/// How a ``Projector`` works: the P7 window its verdicts use, and how many entries it projects
/// per transaction.
public struct ProjectorOptions: Sendable {
    /// The P7 window in microseconds of ledger time (default 24 h, as `verify`). Views built
    /// with another window are rebuilt.
    public var acknowledgementWindow: Int64 = PolicyChecker.defaultAcknowledgementWindow
    /// Entries per transaction: each commit writes the rows of this many entries and the
    /// position after them.
    public var batchEntries: Int = 10_000
    /// When the policy fold is kept in the file (``PolicyState``), in the transaction of a batch,
    /// so that a new projector resumes it instead of replaying the log from genesis.
    ///
    /// nil (the default): once the entries projected since it was last kept are at least as many
    /// as the items it holds (``PolicyChecker/heldItems``). Writing it costs about as much per
    /// item as replaying costs per entry, so keeping it never costs more than the replay it
    /// saves: a small state is kept at the end of every catch-up, a large one (a ledger whose
    /// exchanges are mostly unacknowledged) at doubling intervals instead of rewriting it all
    /// every batch. A number: whenever that many entries were projected since it was last kept.
    public var keepPolicyStateEvery: Int64?
    /// Called after each committed batch with the new position (for progress lines, and for
    /// tests that stop a projector between commits).
    public var afterBatch: (@Sendable (_ projected: Int64, _ size: Int64) -> Void)?

    /// The defaults.
    public init() {}
}
