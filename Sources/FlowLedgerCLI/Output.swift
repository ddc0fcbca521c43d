#if canImport(Glibc)
import Glibc
#endif

/// Unbuffered writes to stdout and stderr: a receipt is on its way to the caller as soon as the
/// append it belongs to is durable, even if the process is killed right after.
enum Output {
    /// Writes `text` and a newline to stdout.
    static func line(_ text: String) { write(1, text + "\n") }

    /// Writes `text` (no newline added) to stdout.
    static func raw(_ text: String) { write(1, text) }

    /// Writes `text` and a newline to stderr.
    static func error(_ text: String) { write(2, text + "\n") }

    /// Writes `text` (no newline added) to stderr, e.g. a progress line rewritten in place.
    static func rawError(_ text: String) { write(2, text) }

    /// Writes `bytes` to stdout as they are.
    /// - Returns: false if stdout is closed (EPIPE: the reader of a pipe is gone, as after
    ///   `| head`) or cannot be written; callers that stream stop there.
    @discardableResult
    static func bytes(_ bytes: [UInt8]) -> Bool { write(1, bytes) }

    /// Makes a closed pipe an EPIPE from ``bytes(_:)`` instead of a SIGPIPE that kills the process.
    static func ignoreBrokenPipe() { signal(SIGPIPE, SIG_IGN) }

    @discardableResult
    private static func write(_ descriptor: Int32, _ text: String) -> Bool { write(descriptor, Array(text.utf8)) }

    private static func write(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN {
                // A non-blocking stdout (inherited from the caller) that is full: wait, not give up.
                var request = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
                _ = poll(&request, 1, -1)
                continue
            }
            if n <= 0 { return false }
            done += n
        }
        return true
    }
}
