import Synchronization

/// `--rate N/s` (DESIGN §11.4): each submitter may append N events per second, with a burst of
/// one second's worth. A token bucket per party; a refusal says when enough tokens are back.
final class SubmitterRateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }
    private let rate: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    /// `rate` events per second for each submitter.
    init(ratePerSecond rate: Double) { self.rate = rate }

    /// Takes `events` tokens from `party`'s bucket; nil if allowed, else the seconds to wait.
    func admit(_ party: String, events: Int, now: ContinuousClock.Instant = .now) -> Int? {
        let cost = Double(events)
        return buckets.withLock { buckets -> Int? in
            var bucket = buckets[party] ?? Bucket(tokens: rate, updated: now)
            let elapsed = now - bucket.updated
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            bucket.tokens = min(max(rate, cost), bucket.tokens + seconds * rate)
            bucket.updated = now
            defer { buckets[party] = bucket }
            if bucket.tokens >= cost {
                bucket.tokens -= cost
                return nil
            }
            // Clamped: a tiny rate must not make the conversion trap.
            return max(1, Int(min(((cost - bucket.tokens) / rate).rounded(.up), 86_400)))
        }
    }
}
