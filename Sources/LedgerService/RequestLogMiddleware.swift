import Foundation
import Hummingbird
import Logging

/// One log line per request (DESIGN §11, issue: "no keys or bodies"): method, path, status,
/// duration, the signing party and the peer. Never a header value, a body or a key.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = LedgerRequestContext
    let logger: Logger
    let metrics: ServiceMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            log(request, context, status: status, started: started)
            throw error
        }
        log(request, context, status: response.status.code, started: started)
        return response
    }

    private func log(_ request: Request, _ context: Context, status: Int, started: ContinuousClock.Instant) {
        metrics.answered(status: status)
        let elapsed = ContinuousClock.now - started
        // Tenths of a millisecond, rounded, in integers (String(format:) cost more than the rest of the line).
        let tenths = (elapsed.components.seconds * 10_000) + (elapsed.components.attoseconds + 50_000_000_000_000) / 100_000_000_000_000
        logger.info("\(request.method.rawValue) \(request.uri.path) \(status) \(tenths / 10).\(tenths % 10) ms",
                    metadata: ["party": "\(context.party ?? "-")", "peer": "\(context.peer)"])
    }
}
