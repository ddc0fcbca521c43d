import FlowLedger
import Foundation
import Synchronization

/// The demo's ledger time: starts at a fixed instant and moves only when the scenario says, so
/// the demo's views and findings are the same on every run (the keys are new each time).
final class DemoClock: Sendable {
    /// Microseconds since the epoch; read by the writer's thread, moved on by the scenario's.
    private let microseconds = Mutex(try! Timestamp(parsing: "2026-11-23T08:00:00Z").microsecondsSinceEpoch)

    /// The current time.
    var now: Timestamp { Timestamp(microsecondsSinceEpoch: microseconds.withLock { $0 }) }

    /// Moves the clock on.
    func advance(minutes: Int64) { microseconds.withLock { $0 += minutes * 60_000_000 } }

    /// Writer options whose clock is this one.
    var writerOptions: WriterOptions {
        var options = WriterOptions()
        options.clock = { [self] in microseconds.withLock { $0 } }
        return options
    }
}
