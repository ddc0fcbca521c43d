import COpenSSL

/// Drains OpenSSL's thread-local error queue into one readable string, so every OpenSSL failure
/// surfaces as a ``CryptoError`` carrying OpenSSL's own reason text.
enum OpenSSLErrorQueue {
    /// Returns and clears the pending OpenSSL errors (`"no detail from OpenSSL"` if none).
    static func drain() -> String {
        var reasons: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return reasons.isEmpty ? "no detail from OpenSSL" : reasons.joined(separator: "; ")
    }

    /// Clears errors left on this thread's queue by earlier, unrelated calls. Some OpenSSL 3.0
    /// routines judge their own success by peeking at the queue, and Swift tasks share threads,
    /// so a stale error from one operation could fail the next; every operation starts clean.
    static func clearStale() { ERR_clear_error() }

    /// A ``CryptoError/Code/openSSLFailure`` for `operation`, with OpenSSL's reason text.
    static func error(_ operation: String) -> CryptoError {
        CryptoError(.openSSLFailure, "OpenSSL failed to \(operation): \(drain())")
    }
}
