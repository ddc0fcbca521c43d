import Dispatch
import Synchronization

/// Work on a range of the log done ahead on another thread: a catch-up parses the batch after
/// next and folds the next one while the current one is written, so the three run on different
/// cores.
///
/// One piece of work is in flight at a time. ``take(_:)`` waits for it and returns its result if
/// it was for that range (nil otherwise, and the caller does the work itself). The catch-up is
/// synchronous (a `Projector` is called from plain threads), so the wait blocks on a
/// `DispatchGroup` rather than awaiting a task.
final class Prefetcher<Value: Sendable>: Sendable {
    /// One piece of work: its range, and its result once `done` is left.
    private final class Slot: Sendable {
        let range: Range<Int64>
        let done = DispatchGroup()
        let result = Mutex<Result<Value, any Error>?>(nil)
        init(range: Range<Int64>) { self.range = range }

        /// The result, after waiting for the work to end.
        func wait() -> Result<Value, any Error>? {
            done.wait()
            return result.withLock { $0 }
        }
    }

    /// The work in flight, if any. Taken and started by one stage at a time, but not always on
    /// the same thread (a fold running ahead starts the next parse).
    private let pending = Mutex<Slot?>(nil)

    /// An idle prefetcher.
    init() {}

    /// The value prepared for `range`, or nil if the work in flight (if any) was for another range.
    func take(_ range: Range<Int64>) throws -> Value? {
        guard let slot = pending.withLock({ $0.take() }), let result = slot.wait(), slot.range == range else { return nil }
        return try result.get()
    }

    /// The value of the work in flight, whatever its range (after waiting for it); nil if none.
    func take() throws -> Value? {
        try pending.withLock { $0.take() }?.wait()?.get()
    }

    /// Starts `work` for `range` in the background (after the work in flight, if any, is done).
    func start(_ range: Range<Int64>, _ work: @escaping @Sendable () throws -> Value) {
        _ = pending.withLock { $0 }?.wait()
        let slot = Slot(range: range)
        slot.done.enter()
        DispatchQueue.global().async {
            let result = Result { try work() }
            slot.result.withLock { $0 = result }
            slot.done.leave()
        }
        pending.withLock { $0 = slot }
    }

    /// Waits for the work in flight, so none outlives the catch-up that started it.
    func finish() {
        _ = pending.withLock { $0.take() }?.wait()
    }
}
