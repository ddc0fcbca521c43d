import Hummingbird
import NIOCore

/// Reading a request's body within the service's limits: at most `limit` bytes (413 beyond),
/// and all of it within `timeout` (408 otherwise), so a client that sends half a body and goes
/// silent holds nothing for long; the connection's idle timeout then closes it.
enum RequestBodyReader {
    /// The whole body of `request`.
    /// - Parameter advice: what to send instead when the body is too large (the 413's last words).
    static func collect(_ request: Request, limit: Int, timeout: Duration, advice: String) async throws(Refusal) -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int($0) }), declared > limit {
            throw tooLarge(limit, declared: declared, advice: advice)
        }
        do {
            return try await withThrowingTaskGroup(of: [UInt8]?.self) { group in
                group.addTask {
                    var bytes: [UInt8] = []
                    for try await chunk in request.body {
                        guard bytes.count + chunk.readableBytes <= limit else { throw tooLarge(limit, declared: nil, advice: advice) }
                        chunk.withUnsafeReadableBytes { bytes.append(contentsOf: $0) }
                    }
                    return bytes
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let bytes = first else {
                    throw Refusal(408, "requestTimeout", "the request body did not arrive within \(timeout.components.seconds) s; send the whole body at once")
                }
                return bytes
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(400, "malformed", "the request body could not be read: \(error)")
        }
    }

    private static func tooLarge(_ limit: Int, declared: Int?, advice: String) -> Refusal {
        Refusal(413, "bodyTooLarge", "the request body\(declared.map { " (\($0) bytes)" } ?? "") exceeds the limit of \(limit) bytes; \(advice)")
    }
}
