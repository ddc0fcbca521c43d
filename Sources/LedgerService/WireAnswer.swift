import Hummingbird
import HTTPTypes
import LedgerWire
import NIOCore

/// Building answers: FlowLedger's JSON errors (DESIGN §11) and byte bodies.
enum WireAnswer {
    /// The answer for `error`, with `Retry-After` for 429 and 503.
    static func error(_ error: WireError, retryAfter: Int? = nil) -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        return Response(status: HTTPResponse.Status(code: error.status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: error.body)))
    }

    /// A 200 answer of `bytes` as `contentType`.
    static func ok(_ bytes: [UInt8], contentType: String, cacheControl: String? = nil) -> Response {
        var headers: HTTPFields = [.contentType: contentType]
        if let cacheControl { headers[.cacheControl] = cacheControl }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}

/// A refusal on its way to becoming an answer: a ``WireError`` and, for 429 and 503, when to
/// come back.
struct Refusal: Error {
    /// The error body and status.
    let error: WireError
    /// Seconds before a retry may succeed.
    let retryAfter: Int?

    init(_ status: Int, _ code: String, _ message: String, line: Int? = nil, seq: Int64? = nil, rule: Int? = nil, field: String? = nil, retryAfter: Int? = nil) {
        error = WireError(status: status, code: code, message: message, line: line, seq: seq, rule: rule, field: field)
        self.retryAfter = retryAfter
    }

    /// The answer.
    var response: Response { WireAnswer.error(error, retryAfter: retryAfter) }
}
