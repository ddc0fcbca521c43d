import AsyncHTTPClient
import Hummingbird
import HTTPTypes
import NIOCore
import NIOHTTP1

/// How a `serve` front end of a PostgreSQL store hands an append to the store's writer (DESIGN
/// §12: one writer, other front ends hand it their appends) and answers its own client with the
/// writer's answer, status, receipts and errors unchanged.
///
/// The request goes on as the client sent it: the body, the content type, the RFC 9421
/// signature headers and the `Host` the client addressed, so the writer checks the client's own
/// signature over the `@target-uri` the client signed (behind a load balancer give every `serve`
/// the same `--public-url`). The writer alone judges signatures, replays, rates and rules; the
/// front end adds no trust of its own and holds no key.
struct AppendForwarder: Sendable {
    /// How long the writer may take to answer (a `?wait=checkpoint` append waits for the next
    /// checkpoint). A front end that gives up cancels nothing: the writer finishes the append,
    /// and the client's retry gets the original receipts.
    static let timeout: TimeAmount = .seconds(120)
    /// The largest answer taken from the writer (1000 receipts with proofs fit many times over).
    static let maxAnswerBytes = 16 << 20

    /// Sends `body` (already read within the front end's limits) to the writer at `writerURL`.
    func forward(_ request: Request, body: [UInt8], to writerURL: String) async -> Response {
        let base = writerURL.hasSuffix("/") ? writerURL : writerURL + "/"
        let query = request.uri.query.map { "?" + $0 } ?? ""
        var outgoing = HTTPClientRequest(url: base + "v1/entries" + query)
        outgoing.method = .POST
        for name in [HTTPField.Name.contentType, .signatureInput, .signature, .contentDigest] {
            for value in request.headers[values: name] { outgoing.headers.add(name: name.rawName, value: value) }
        }
        if let authority = request.head.authority { outgoing.headers.replaceOrAdd(name: "Host", value: authority) }
        outgoing.body = .bytes(ByteBuffer(bytes: body))
        do {
            let answer = try await HTTPClient.shared.execute(outgoing, timeout: Self.timeout)
            let bytes = try await answer.body.collect(upTo: Self.maxAnswerBytes)
            var headers = HTTPFields()
            for name in [HTTPField.Name.contentType, .retryAfter, .cacheControl] {
                if let value = answer.headers.first(name: name.rawName) { headers[name] = value }
            }
            return Response(status: HTTPResponse.Status(code: Int(answer.status.code)), headers: headers, body: .init(byteBuffer: bytes))
        } catch {
            return Refusal(503, "unavailable", "this front end hands appends to the ledger's writer at \(writerURL), which did not answer (\(error)); a new writer is elected when it is gone: retry",
                           retryAfter: 1).response
        }
    }
}
