import AsyncHTTPClient
import Hummingbird
import HTTPTypes
import LedgerTestSupport
import Logging
import NIOCore

/// A server that lies, for tests of a client that trusts nothing: on 127.0.0.1 with a free port,
/// it forwards each request to the URL `route` names for its path and query (each a real
/// `flowledger serve`, say) and answers with what that server said, streaming included. Routing
/// `checkpoint` to one history's server and the rest to a fork's shows a client one signed
/// history and another's entries, as a forking operator would.
final class HostileProxy: Sendable {
    /// `http://127.0.0.1:PORT/`.
    let url: String
    private let task: Task<Void, any Error>

    /// Starts the proxy; `route` maps a request's path and query (without the leading `/`) to
    /// the full URL to ask instead, unless `answer` makes up an answer of its own for it.
    init(answer: @escaping @Sendable (String) -> Response? = { _ in nil }, route: @escaping @Sendable (String) -> String) async throws {
        let responder = CallbackResponder { (request: Request, _: BasicRequestContext) in
            if let madeUp = answer(String((request.head.path ?? "/").dropFirst())) { return madeUp }
            var outgoing = HTTPClientRequest(url: route(String((request.head.path ?? "/").dropFirst())))
            outgoing.method = .init(rawValue: request.method.rawValue)
            for field in request.headers where field.name != .contentLength {
                outgoing.headers.add(name: field.name.rawName, value: field.value)
            }
            // The Host the client addressed, so a signed request's @target-uri still verifies.
            if let authority = request.head.authority { outgoing.headers.replaceOrAdd(name: "Host", value: authority) }
            let body = try await request.body.collect(upTo: 8 << 20)
            if body.readableBytes > 0 { outgoing.body = .bytes(body) }
            let answer = try await HTTPClient.shared.execute(outgoing, timeout: .seconds(60))
            var headers = HTTPFields()
            for name in [HTTPField.Name.contentType, .cacheControl, .retryAfter] {
                if let value = answer.headers.first(name: name.rawName) { headers[name] = value }
            }
            return Response(status: .init(code: Int(answer.status.code)), headers: headers, body: ResponseBody(asyncSequence: answer.body))
        }
        let (ports, announce) = AsyncStream<Int>.makeStream()
        var quiet = Logger(label: "hostile-proxy")
        quiet.logLevel = .critical  // stopping by cancellation is logged as errors otherwise
        let app = Application(responder: responder, configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { channel in announce.yield(channel.localAddress?.port ?? 0) }, logger: quiet)
        task = Task { try await app.runService(gracefulShutdownSignals: []) }
        var iterator = ports.makeAsyncIterator()
        guard let port = await iterator.next(), port > 0 else { throw FixtureError("the hostile proxy did not start listening") }
        url = "http://127.0.0.1:\(port)/"
    }

    /// An answer whose head comes at once and whose body comes one byte a second, for ever.
    static func dribbling() -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
            while true {
                try await writer.write(ByteBuffer(string: " "))
                try await Task.sleep(for: .seconds(1))
            }
        })
    }

    /// Stops listening.
    func stop() { task.cancel() }

    deinit { task.cancel() }
}
