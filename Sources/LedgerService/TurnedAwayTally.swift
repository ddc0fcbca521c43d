import Synchronization

/// Counts what a limit turned away, for a log line at most once per interval: a flood is
/// reported as one line with its count, not one line per request or connection.
final class TurnedAwayTally: Sendable {
    private let state = Mutex<(count: Int, reported: ContinuousClock.Instant?)>((0, nil))

    /// An empty tally.
    init() {}

    /// One more turned away.
    func note() { state.withLock { $0.count += 1 } }

    /// How many were turned away since the last report, once `interval` has passed since it
    /// (nil before, and when there were none).
    func turnedAway(reportingEvery interval: Duration) -> Int? {
        state.withLock { state in
            let now = ContinuousClock.now
            guard state.count > 0, state.reported.map({ now - $0 >= interval }) ?? true else { return nil }
            defer { state = (0, now) }
            return state.count
        }
    }
}
