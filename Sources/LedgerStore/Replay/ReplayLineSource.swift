import LedgerCore

/// Where ``ReplayEngine`` reads the log from: raw entry lines in seq order.
///
/// Contract:
/// - ``next(limit:)`` MUST return lines in seq order with no gap, each ``ReplayLine/location``
///   naming the seq it stands at, and at most `limit` lines at a time.
/// - A source MUST NOT judge an entry's content (that is the engine's: parse, hash, rules,
///   signatures); it judges only its own structure (for segment files: each segment named for
///   the seq it starts at, no oversized line, a torn line only at the very end) and reports a
///   problem as ``ReplayRead/broken(_:)`` **after** the lines before it, never instead of them.
/// - After ``ReplayRead/end(_:)`` or ``ReplayRead/broken(_:)`` it MUST keep answering the same.
/// - It throws only when it cannot read (I/O), naming the file and what to do; a source in
///   memory throws nothing (``Failure`` is `Never`).
package protocol ReplayLineSource {
    /// What reading can throw: ``StoreError`` for files, `Never` for lines in memory.
    associatedtype Failure: Error = StoreError
    /// The next lines (at most `limit`, at least one), or how the source ends.
    mutating func next(limit: Int) throws(Failure) -> ReplayRead
    /// The bytes the source will read in all, when known (for progress and to size tables).
    var totalBytes: Int64? { get }
}
