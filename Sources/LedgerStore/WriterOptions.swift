#if canImport(Glibc)
import Glibc
#endif

/// How a ledger writer behaves: segment size, durability, batch size and its clock.
public struct WriterOptions: Sendable {
    /// When appended bytes are made durable with fsync before the append is acknowledged.
    public enum Durability: String, Sendable, CaseIterable {
        /// One fsync per group of appends that arrived together (the default): every
        /// acknowledged entry is durable, and concurrent appenders share the cost.
        case batch
        /// One fsync per append call: no sharing, slowest, the same guarantee per call.
        case always
        /// No fsync: acknowledged entries survive a process crash but not a power cut.
        case never
    }

    /// A new segment is started at the first batch that would take the current one past this
    /// many bytes (DESIGN §9 default: 64 MiB).
    public var segmentLimit: Int64 = 64 << 20
    /// The fsync policy.
    public var durability: Durability = .batch
    /// At most this many events are sequenced, written and fsynced together.
    public var maxBatchEvents = 8192
    /// The writer writes its state snapshot and the rules' history (`index/state.sqlite`) once
    /// this many entries were appended since the last one, and when it closes: opening after a
    /// crash replays at most about this many entries. Each write takes a few milliseconds, after
    /// the receipts of the group that reached it.
    public var snapshotEvery: Int64 = 8192
    /// Ledger time in microseconds since the epoch (the real clock unless a test sets another);
    /// entry times never go backwards even when this does.
    public var clock: @Sendable () -> Int64 = WriterOptions.realClock

    /// The default options.
    public init() {}

    /// CLOCK_REALTIME in microseconds.
    public static let realClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
