import Dispatch
import LedgerCore

/// Reads and parses the next batch of entries on another thread while the current one is being
/// written, so parsing (most of a catch-up's work) and SQLite run on different cores.
final class BatchPrefetcher: @unchecked Sendable {
    /// A range of the log: its lines and their entries.
    struct Batch: Sendable {
        let range: Range<Int64>
        let lines: [[UInt8]]
        let entries: [Entry]
    }

    private final class Slot: @unchecked Sendable {
        let range: Range<Int64>
        let done = DispatchGroup()
        var result: Result<Batch, any Error>?
        init(range: Range<Int64>) { self.range = range }
    }

    private let load: @Sendable (Range<Int64>) throws -> Batch
    private var pending: Slot?

    /// A prefetcher that loads a range with `load`.
    init(load: @escaping @Sendable (Range<Int64>) throws -> Batch) { self.load = load }

    /// The batch of `range`: the one loaded ahead if it is that range, else loaded now.
    func take(_ range: Range<Int64>) throws -> Batch {
        let slot = pending
        pending = nil
        slot?.done.wait()
        if let slot, slot.range == range, let result = slot.result { return try result.get() }
        return try load(range)
    }

    /// Starts loading `range` in the background (the previous prefetch is dropped once done).
    func start(_ range: Range<Int64>) {
        pending?.done.wait()
        let slot = Slot(range: range)
        slot.done.enter()
        let load = self.load
        DispatchQueue.global().async {
            slot.result = Result { try load(range) }
            slot.done.leave()
        }
        pending = slot
    }

    /// Waits for a prefetch in flight, so none outlives the catch-up that started it.
    func finish() {
        pending?.done.wait()
        pending = nil
    }
}
