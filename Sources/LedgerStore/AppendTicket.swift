import Dispatch
import Synchronization

/// A batch submitted with ``LedgerWriter/submit(_:after:)``: wait on it for the receipts.
///
/// ```swift
/// let first = writer.submit(batch1)
/// let second = writer.submit(batch2, after: first)   // not attempted if batch1 is refused
/// let receipts = try first.wait() + second.wait()
/// ```
package final class AppendTicket: Sendable {
    /// Signalled once the result is set (a blocking wait: callers of ``wait()`` are plain threads).
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Result<[Receipt], StoreError>?>(nil)
    private let request = Mutex<Outcome?>(nil)

    /// Whether the batch failed, for a batch submitted after it (set once, when it is queued).
    var outcome: Outcome? {
        get { request.withLock { $0 } }
        set { request.withLock { $0 = newValue } }
    }

    init() {}

    func finish(_ result: Result<[Receipt], StoreError>) {
        self.result.withLock { $0 = result }
        done.signal()
    }

    /// Blocks until the batch is durable (its receipts, in order) or refused.
    package func wait() throws(StoreError) -> [Receipt] {
        done.wait()
        done.signal()  // later waits return at once
        return try result.withLock { $0! }.get()
    }
}

/// Whether a request failed, for the request submitted after it. Tiny and reference-free, so a
/// chain of requests never keeps earlier ones alive.
final class Outcome: Sendable {
    private let didFail = Mutex(false)

    /// True once the request failed (refused, not attempted, or its write failed).
    var failed: Bool { didFail.withLock { $0 } }

    func markFailed() { didFail.withLock { $0 = true } }
}
