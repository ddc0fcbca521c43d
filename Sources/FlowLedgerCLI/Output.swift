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

    private static func write(_ descriptor: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeMutableBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            done += n
        }
    }
}
