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
    /// The writer writes its state snapshot and the rules' history rows into their tables
    /// (`index/state.sqlite`) once this many entries were appended since the last time (after the
    /// receipts of the group that reached it): opening after a crash replays at most about this
    /// many entries. When it closes it writes only the snapshot, with the rows since beside it.
    /// Nil (the default): every 8,192 entries, or every sixteenth of the ledger's size when that
    /// is more, up to 65,536 (see ``snapshotInterval(size:)``).
    public var snapshotEvery: Int64?
    /// Ledger time in microseconds since the epoch (the real clock unless a test sets another);
    /// entry times never go backwards even when this does.
    public var clock: @Sendable () -> Int64 = WriterOptions.realClock

    /// The default options.
    public init() {}

    /// The entries the writer lets pass between two writes of its snapshot and history, on a
    /// ledger of `size` entries: ``snapshotEvery`` when set, else
    ///
    ///     interval(size) = min(max(8192, size / 16), 65536)
    ///
    /// The history's keys are digests, so each write lands all over a B-tree that grows with the
    /// ledger: on a million entries a write of 8,192 rows rewrote pages of most of it (each write
    /// cost O(size), a writer O(size²/8192) in all). Growing the interval with the ledger keeps
    /// the pages written per entry bounded; the cap bounds what the writer holds in memory
    /// meanwhile (about 100 bytes an entry) and what opening after a crash replays.
    package func snapshotInterval(size: Int64) -> Int64 {
        snapshotEvery ?? min(max(8192, size / 16), Self.snapshotIntervalCap)
    }

    /// The entries a replay at open lets pass between two writes of the snapshot and history:
    /// ``snapshotEvery`` when set, else the cap of ``snapshotInterval(size:)`` whatever the size
    /// (no appender waits on these writes, and fewer, larger ones touch fewer of the history's
    /// pages per row; memory stays bounded by the cap).
    package var replaySnapshotInterval: Int64 { snapshotEvery ?? Self.snapshotIntervalCap }

    /// The most entries whose history rows a writer holds in memory (about 100 bytes each).
    static let snapshotIntervalCap: Int64 = 65_536

    /// CLOCK_REALTIME in microseconds.
    public static let realClock: @Sendable () -> Int64 = {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        return Int64(now.tv_sec) * 1_000_000 + Int64(now.tv_nsec) / 1000
    }
}
