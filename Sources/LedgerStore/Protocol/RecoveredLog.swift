import LedgerCore

/// What a store's ``LogAppender/recover()`` gives the sequencer: the rules' state at the end of
/// the log, the right edge of its Merkle tree, and what opening found and repaired.
package struct RecoveredLog: Sendable {
    /// The integrity rules' state after the last durable entry.
    package var state: LedgerState
    /// The tree's right edge, for computing the stored hashes of the next entries.
    package var frontier: TreeFrontier
    /// What opening found and repaired.
    package var report: RecoveryReport

    /// What a store recovered.
    package init(state: LedgerState, frontier: TreeFrontier, report: RecoveryReport) {
        self.state = state
        self.frontier = frontier
        self.report = report
    }
}
