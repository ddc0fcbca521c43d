import LedgerCore
import LedgerCrypto

/// Write access to a stored log for its one sequencer (``Sequencer``), in the manner of
/// tessera's `AddFn`: the sequencer decides what is appended (rules, canonical lines, leaf
/// hashes, stored hashes, times); the store only keeps it.
///
/// Contract:
/// - One appender per log at a time; a store MUST refuse a second (``StoreError/Code/locked``).
/// - ``recover()`` MUST cut a torn last line (an append that was never acknowledged), MUST report
///   anything else that does not fit as ``StoreError/Code/damaged`` and change nothing then, and
///   returns the rules' state at the end of the log (from the store's state snapshot and the
///   entries after it).
/// - ``commit(_:)`` MUST NOT return before the group's lines and their stored hashes are durable
///   together: after a crash at any moment, recovery finds either none of the group's lines or
///   every line that ``commit(_:)`` returned for, with hashes that match them. On a throw the
///   store MUST hold what it held before the call, or stop taking commits.
/// - ``flush(history:state:)`` keeps the rules' history and state snapshot; it MUST be atomic,
///   and MUST NOT describe entries that are not durable. ``saveSnapshot(state:)`` likewise, for
///   a writer that closes: a state recovered from it MUST know every row of the history the
///   state held in memory (the store may keep them beside the snapshot instead of in its
///   history, when that costs less).
/// - ``publish(checkpoint:size:)`` MUST make the note durable before returning.
package protocol LogAppender: LogReader, AnyObject {
    /// The rules' history (every (author, id) and exchange) the recovered state looks up.
    var history: any RuleHistory { get }
    /// Opens the log for appending; see the contract.
    func recover() throws(StoreError) -> RecoveredLog
    /// Makes `group` durable; see the contract.
    func commit(_ group: SequencedGroup) throws(StoreError)
    /// Writes `delta` to the history and `state` as the snapshot of the position `state` is at.
    func flush(history delta: HistoryDelta, state: LedgerState) throws(StoreError)
    /// Keeps `state` as the snapshot of the position it is at, with the rows of the history it
    /// holds in memory; see the contract. By default the rows go to the history
    /// (``flush(history:state:)``), for a store where that is cheap.
    func saveSnapshot(state: LedgerState) throws(StoreError)
    /// The first failed history lookup since the last call (see ``RuleHistory``).
    func takeHistoryFailure() -> StoreError?
    /// Publishes a signed checkpoint note of `size` entries.
    func publish(checkpoint note: String, size: Int64) throws(StoreError)
    /// Releases the store (and its lock). Later commits fail.
    func close()
}

extension LogAppender {
    /// Writes the rows `state` holds in memory to the history with its snapshot: for a store whose
    /// history takes them as cheaply as a blob beside the snapshot (in memory, appended chunks).
    package func saveSnapshot(state: LedgerState) throws(StoreError) {
        try flush(history: HistoryDelta(recentIn: state), state: state)
    }
}
