import Dispatch

/// Work on a range of the log done ahead on another thread: a catch-up parses the batch after
/// next and folds the next one while the current one is written, so the three run on different
/// cores.
///
/// One piece of work is in flight at a time. ``take(_:)`` waits for it and returns its result if
/// it was for that range (nil otherwise, and the caller does the work itself).
final class Prefetcher<Value: Sendable>: @unchecked Sendable {
    private final class Slot: @unchecked Sendable {
        let range: Range<Int64>
        let done = DispatchGroup()
        var result: Result<Value, any Error>?
        init(range: Range<Int64>) { self.range = range }
    }

    private var pending: Slot?

    /// An idle prefetcher.
    init() {}

    /// The value prepared for `range`, or nil if the work in flight (if any) was for another range.
    func take(_ range: Range<Int64>) throws -> Value? {
        let slot = pending
        pending = nil
        slot?.done.wait()
        guard let slot, slot.range == range, let result = slot.result else { return nil }
        return try result.get()
    }

    /// The value of the work in flight, whatever its range (after waiting for it); nil if none.
    func take() throws -> Value? {
        let slot = pending
        pending = nil
        slot?.done.wait()
        return try slot?.result?.get()
    }

    /// Starts `work` for `range` in the background (after the work in flight, if any, is done).
    func start(_ range: Range<Int64>, _ work: @escaping @Sendable () throws -> Value) {
        pending?.done.wait()
        let slot = Slot(range: range)
        slot.done.enter()
        DispatchQueue.global().async {
            slot.result = Result { try work() }
            slot.done.leave()
        }
        pending = slot
    }

    /// Waits for the work in flight, so none outlives the catch-up that started it.
    func finish() {
        pending?.done.wait()
        pending = nil
    }
}
