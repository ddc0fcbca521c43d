import Dispatch
import Foundation

/// A batch submitted with ``LedgerWriter/submit(_:after:)``: wait on it for the receipts.
///
/// ```swift
/// let first = writer.submit(batch1)
/// let second = writer.submit(batch2, after: first)   // not attempted if batch1 is refused
/// let receipts = try first.wait() + second.wait()
/// ```
public final class AppendTicket: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<[Receipt], StoreError>?
    var outcome: Outcome?

    init() {}

    func finish(_ result: Result<[Receipt], StoreError>) {
        lock.withLock { self.result = result }
        done.signal()
    }

    /// Blocks until the batch is durable (its receipts, in order) or refused.
    public func wait() throws(StoreError) -> [Receipt] {
        done.wait()
        done.signal()  // later waits return at once
        return try lock.withLock { result! }.get()
    }
}

/// Whether a request failed, for the request submitted after it. Tiny and reference-free, so a
/// chain of requests never keeps earlier ones alive.
final class Outcome: @unchecked Sendable {
    private let lock = NSLock()
    private var didFail = false

    /// True once the request failed (refused, not attempted, or its write failed).
    var failed: Bool { lock.withLock { didFail } }

    func markFailed() { lock.withLock { didFail = true } }
}
