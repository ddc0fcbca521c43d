import FlowLedger
import Foundation

/// The demo's ledger time: starts at a fixed instant and moves only when the scenario says, so
/// the demo's views and findings are the same on every run (the keys are new each time).
final class DemoClock: @unchecked Sendable {
    private let lock = NSLock()
    private var microseconds = try! Timestamp(parsing: "2026-11-23T08:00:00Z").microsecondsSinceEpoch

    /// The current time.
    var now: Timestamp { Timestamp(microsecondsSinceEpoch: lock.withLock { microseconds }) }

    /// Moves the clock on.
    func advance(minutes: Int64) { lock.withLock { microseconds += minutes * 60_000_000 } }

    /// Writer options whose clock is this one.
    var writerOptions: WriterOptions {
        var options = WriterOptions()
        options.clock = { [self] in lock.withLock { microseconds } }
        return options
    }
}
