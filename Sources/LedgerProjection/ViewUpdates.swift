import LedgerCore
import LedgerStore

/// What changed in the views when the log grew: where they stand now and the violations found
/// in the new entries.
public struct ViewUpdate: Sendable {
    /// The number of entries the views now cover.
    public let size: Int64
    /// Entries projected since the previous update.
    public let projected: Int64
    /// Violations found since the previous update (all of them in the first update).
    public let violations: [ViolationView]
    /// Why the file was rebuilt, if it was.
    public let notes: [String]
}

extension Projector {
    /// The views' state changes as the log grows: the first update once the views have caught
    /// up, then one each time new entries (appended by any process) have been projected. Waiting
    /// costs no CPU (``EntryFollower`` sleeps on inotify). Ends when the iterating task is
    /// cancelled.
    ///
    /// ```swift
    /// for try await update in projector.updates() {
    ///     for violation in update.violations { alert("\(violation.rule) \(violation.exchange): \(violation.message)") }
    /// }
    /// ```
    public func updates() -> AsyncThrowingStream<ViewUpdate, Error> {
        AsyncThrowingStream { continuation in
            let task = Task {
                do {
                    var lastViolation: Int64 = 0
                    while !Task.isCancelled {
                        let result = try catchUp()
                        let violations = try views.violations(after: lastViolation)
                        lastViolation = violations.last?.id ?? lastViolation
                        continuation.yield(ViewUpdate(size: result.size, projected: result.projected, violations: violations, notes: result.notes))
                        // Wait for the entry after the last one projected.
                        var follower = EntryFollower(reader: reader, from: result.size).makeAsyncIterator()
                        guard try await follower.next() != nil else { break }
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
