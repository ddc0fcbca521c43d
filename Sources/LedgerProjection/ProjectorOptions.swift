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
    /// Called after each committed batch with the new position (for progress lines, and for
    /// tests that stop a projector between commits).
    public var afterBatch: (@Sendable (_ projected: Int64, _ size: Int64) -> Void)?

    /// The defaults.
    public init() {}
}
