#if canImport(Glibc)
import Glibc
#endif

extension Timestamp {
    /// The current time (CLOCK_REALTIME), with microseconds.
    public static func now() -> Timestamp {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Timestamp(microsecondsSinceEpoch: Int64(time.tv_sec) * 1_000_000 + Int64(time.tv_nsec) / 1000)
    }
}
