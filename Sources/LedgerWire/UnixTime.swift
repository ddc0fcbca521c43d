#if canImport(Glibc)
import Glibc
#endif

/// Seconds since the Unix epoch, as RFC 9421's `created` and `expires` count them.
public enum UnixTime {
    /// The system clock, in whole seconds.
    public static func now() -> Int64 { Int64(time(nil)) }
}
