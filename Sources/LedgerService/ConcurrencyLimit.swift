import Synchronization

/// At most `limit` pieces of work at once; the rest are turned away (an HTTP 503), not queued:
/// each holds a thread of its own (``onOwnThread(named:_:)``), and a flood of requests made
/// one thread each, hundreds of them, while every request timed out behind the state's lock.
final class ConcurrencyLimit: Sendable {
    /// The most admitted at once.
    let limit: Int
    private let running = Mutex(0)
    /// Pieces turned away since the last ``turnedAway(reportingEvery:)`` that reported.
    private let refused = TurnedAwayTally()

    /// A limit of `limit` at once.
    init(_ limit: Int) { self.limit = limit }

    /// Runs `work` if fewer than ``limit`` are running, else returns nil at once.
    func run<T: Sendable>(_ work: () async -> T) async -> T? {
        let admitted = running.withLock { count -> Bool in
            guard count < limit else { return false }
            count += 1
            return true
        }
        guard admitted else {
            refused.note()
            return nil
        }
        defer { running.withLock { $0 -= 1 } }
        return await work()
    }

    /// How many were turned away since the last report, once `interval` has passed since it
    /// (nil before): so a flood is logged once per interval, not once per request.
    func turnedAway(reportingEvery interval: Duration) -> Int? { refused.turnedAway(reportingEvery: interval) }
}
