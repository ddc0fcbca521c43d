import LedgerCore
import LedgerStore

/// What changed in the views when the log grew: where they stand now, the violations found in
/// the new entries, and the rows those entries added or changed.
public struct ViewUpdate: Sendable {
    /// The number of entries the views now cover.
    public let size: Int64
    /// Entries projected since the previous update.
    public let projected: Int64
    /// Violations found since the previous update (all of them in the first update).
    public let violations: [ViolationView]
    /// The rows the entries since the previous update added or changed (none in the first
    /// update, which reports where the views stand: read them whole with ``Projector/views``).
    public let changes: ChangedRows
    /// Why the file was rebuilt, if it was.
    public let notes: [String]
}

extension Projector {
    /// The views' state changes as the log grows: the first update once the views have caught
    /// up, then one each time new entries (appended by any process) have been projected. Waiting
    /// costs no CPU (a directory's log sleeps on inotify, a PostgreSQL store's on LISTEN). Ends when the iterating task is
    /// cancelled.
    ///
    /// ```swift
    /// for try await update in projector.updates() {
    ///     for violation in update.violations { alert("\(violation.rule) \(violation.exchange): \(violation.message)") }
    ///     for exchange in update.changes.exchanges where exchange.recipient == me { print(exchange.exchange, exchange.ack) }
    /// }
    /// ```
    public func updates() -> AsyncThrowingStream<ViewUpdate, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var lastViolation: Int64 = 0
                    var previous: Int64?  // the size at the previous update
                    while !Task.isCancelled {
                        let result = try catchUp()
                        let changes = try previous.map { try views.changes(since: $0, violationsAfter: lastViolation) } ?? ChangedRows()
                        let violations = try views.violations(after: lastViolation)
                        lastViolation = violations.last?.id ?? lastViolation
                        previous = result.size
                        continuation.yield(ViewUpdate(size: result.size, projected: result.projected, violations: violations,
                                                      changes: changes, notes: result.notes))
                        // Wait for the entry after the last one projected.
                        var sizes = log.sizeChanges().makeAsyncIterator()
                        var grown = false
                        while let size = await sizes.next() {
                            if size > result.size { grown = true; break }
                        }
                        guard grown else { break }
                    }
                    continuation.finish()
                } catch {
                    continuation.finish(throwing: error)
                }
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }
}
