import AsyncHTTPClient
import LedgerCrypto
import LedgerWire
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL
#if canImport(Glibc)
import Glibc
#endif

/// The HTTP side of a ``RemoteLedger``: signs every request (RFC 9421) with the participant's
/// key, sends it again after a broken connection, a 503 or a 429 (waiting as `Retry-After`
/// says), and turns what comes back into an ``HTTPTransport/Answer`` or a ``LedgerClientError``.
final class HTTPTransport: Sendable {
    /// A complete answer.
    struct Answer: Sendable {
        let status: Int
        let headers: HTTPHeaders
        let body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    /// The ledger's base URL, ending in `/`.
    let base: String
    private let signer: RequestSigner?
    private let http: HTTPClient
    private let options: RemoteLedgerOptions
    /// The most bytes read from one answer (a page of 1000 entries is far less).
    static let maxAnswerBytes = 64 << 20

    /// A transport to `base` signing with `key` (none: unsigned requests, for a ledger served
    /// with `--public-read`).
    init(base: String, key: PrivateKey?, options: RemoteLedgerOptions) throws(LedgerClientError) {
        guard base.hasPrefix("http://") || base.hasPrefix("https://") else {
            throw LedgerClientError(.usage, "\(base) is not a ledger URL; give the http:// or https:// URL `flowledger serve` printed")
        }
        self.base = base.hasSuffix("/") ? base : base + "/"
        self.signer = key.map { RequestSigner(key: $0, lifetime: options.signatureLifetime) }
        self.options = options
        var tls = TLSConfiguration.makeClientConfiguration()
        if !options.trustRoots.isEmpty {
            var certificates: [NIOSSLCertificate] = []
            for path in options.trustRoots {
                do {
                    certificates += try NIOSSLCertificate.fromPEMFile(path)
                } catch {
                    throw LedgerClientError(.usage, "\(path): cannot read it as PEM certificates: \(error); give the CA or server certificate in PEM form")
                }
            }
            tls.additionalTrustRoots = [.certificates(certificates)]
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
        // The server sends an event-stream comment every 15 s, so 45 s of silence means it is gone.
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(45))
        // A redirect is answered as it is (see ``redirected(_:_:what:)``): followed, it took the
        // request's signature, valid for a minute, to whatever server it named.
        configuration.redirectConfiguration = .disallow
        configuration.httpVersion = .automatic
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// Closes the connections.
    func shutdown() async {
        try? await http.shutdown()
    }

    deinit {
        http.shutdown { _ in }
    }

    /// Sends a request and reads the whole answer; a non-2xx answer throws the server's error.
    /// - Parameters:
    ///   - what: the request in words, for messages ("append of 3 events").
    ///   - retry: whether a broken connection, 503 or 429 may be sent again (safe for reads and
    ///     for appends, which are idempotent).
    ///   - maxBytes: the most bytes the answer's body may have (``maxAnswerBytes`` unless less).
    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = nil,
              accept: String? = nil, what: String, retry: Bool = true, maxBytes: Int = HTTPTransport.maxAnswerBytes) async throws(LedgerClientError) -> Answer {
        var attempt = 0
        var timeouts = 0
        var refusals = 0
        while true {
            attempt += 1
            let answer: Answer
            do {
                let request = try request(method, path, body: body, contentType: contentType, accept: accept)
                let http = self.http
                // One deadline for the head and the body: AsyncHTTPClient's own ends with the
                // head, so a server dribbling its body could hold the call for ever.
                answer = try await Self.within(.seconds(options.requestTimeout)) {
                    let response = try await http.execute(request, deadline: .distantFuture)
                    let buffer = try await response.body.collect(upTo: maxBytes)
                    return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
                }
            } catch let error as LedgerClientError {
                throw error
            } catch {
                if Task.isCancelled {
                    throw LedgerClientError(.unreachable, "\(what): cancelled")
                }
                let url = base + path
                switch Failure(error, maxBytes: maxBytes) {
                case .malformed(let why, let tooLarge):
                    // The server answered, wrongly: asking again gets the same (and downloads it again).
                    throw LedgerClientError(.malformedAnswer, "\(what): \(url): \(why); the server is broken or hostile, so it was not asked again",
                                            answerTooLarge: tooLarge)
                case .timeout:
                    // One more try: a server silent for a whole timeout seldom answers the next.
                    timeouts += 1
                    guard retry, timeouts <= 1, attempt <= options.retries else {
                        throw LedgerClientError(.unreachable, "\(what): no complete answer from \(url) within \(options.requestTimeout) s, \(attempt) times; the server is stalled, overloaded or unreachable: check it, then run this again")
                    }
                case .refused:
                    // AsyncHTTPClient already tried again for the whole connect timeout (10 s), which
                    // rides out a server's restart; nine such attempts kept `vkey` waiting 101 s.
                    refusals += 1
                    guard retry, refusals <= 1, attempt <= options.retries else {
                        throw LedgerClientError(.unreachable, "\(what): \(url): connection refused, \(attempt) attempts of up to 10 s each; nothing listens there: check the URL, and that `flowledger serve` runs there")
                    }
                case .connection:
                    guard retry, attempt <= options.retries else {
                        throw LedgerClientError(.unreachable, "\(what): cannot reach \(url) after \(attempt) attempts: \(error); is `flowledger serve` running there?")
                    }
                }
                await Self.pause(attempt: attempt, retryAfter: nil)
                continue
            }
            if (300..<400).contains(answer.status) { throw redirected(answer.status, answer.headers, path: path, what: what) }
            if (200..<300).contains(answer.status) { return answer }
            let wire = WireError(status: answer.status, body: answer.body)
            if retry, answer.status == 503 || answer.status == 429, attempt <= options.retries {
                await Self.pause(attempt: attempt, retryAfter: answer.headers.first(name: "Retry-After").flatMap { Int($0) })
                continue
            }
            throw LedgerClientError.answered(wire, to: what)
        }
    }

    /// Opens a stream (`v1/events`): the answer's head once it is 200, the body left to read.
    func open(_ path: String, lastEventID: Int64?, what: String) async throws(LedgerClientError) -> HTTPClientResponse {
        do {
            var request = try request(.GET, path, body: nil, contentType: nil, accept: "text/event-stream")
            if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
            // No deadline: a follower lives as long as its reader; the read timeout ends a dead one.
            let response = try await http.execute(request, deadline: .distantFuture)
            if (300..<400).contains(response.status.code) {
                throw redirected(Int(response.status.code), response.headers, path: path, what: what)
            }
            guard response.status == .ok else {
                let buffer = try await Self.within(.seconds(options.requestTimeout)) { try await response.body.collect(upTo: 1 << 20) }
                throw LedgerClientError.answered(WireError(status: Int(response.status.code), body: Array(buffer.readableBytesView)), to: what)
            }
            return response
        } catch let error as LedgerClientError {
            throw error
        } catch {
            throw LedgerClientError(.unreachable, "\(what): cannot reach \(base): \(error)")
        }
    }

    /// Why a request got no answer, as far as retrying it goes.
    enum Failure {
        /// The server answered, but not with a readable answer within the limits (`tooLarge`:
        /// the answer was longer than the request allowed).
        case malformed(String, tooLarge: Bool)
        /// No complete answer in time.
        case timeout
        /// Nothing accepts connections at the address.
        case refused
        /// The connection could not be made, or broke.
        case connection

        init(_ error: any Error, maxBytes: Int) {
            switch error {
            case is NIOTooManyBytesError:
                self = .malformed("the answer is larger than \(maxBytes >= 1 << 20 ? "\(maxBytes >> 20) MiB" : "\(maxBytes) bytes"), more than this request allows", tooLarge: true)
            case let error as HTTPParserError where error != .invalidEOFState:
                // (invalidEOFState is a connection cut mid-answer, a restart say: retried below.)
                self = .malformed("the answer is not valid HTTP (\(error))", tooLarge: false)
            case is Timeout:
                self = .timeout
            case let error as HTTPClientError where error == .readTimeout || error == .deadlineExceeded:
                self = .timeout
            case let error as IOError where error.errnoCode == ECONNREFUSED:
                self = .refused
            case let error as NIOConnectionError
                where error.dnsAError == nil && error.dnsAAAAError == nil
                && error.connectionErrors.contains(where: { ($0.error as? IOError)?.errnoCode == ECONNREFUSED })
                && error.connectionErrors.allSatisfy({ $0.error is IOError }):
                // A host name: every address it resolved to refused, or could not be reached at
                // all (`localhost`'s ::1 on a machine without IPv6).
                self = .refused
            default:
                self = .connection
            }
        }
    }

    /// The error for a redirect: followed, it would take the request (and its signature) to a
    /// server the user did not name.
    private func redirected(_ status: Int, _ headers: HTTPHeaders, path: String, what: String) -> LedgerClientError {
        let location = headers.first(name: "Location").map { TerminalText.escaped(quotedForMessage($0, limit: 200)) } ?? "nowhere (no Location)"
        return LedgerClientError(.refused, "\(what): \(base + path) redirected (HTTP \(status)) to \(location); FlowLedger follows no redirect, so a request's signature goes only to the server you name: give that URL instead if you trust it",
                                 wire: WireError(status: status, code: "redirected", message: "redirected to \(location)"))
    }

    /// A request to `base + path`, signed when the transport has a key.
    private func request(_ method: HTTPMethod, _ path: String, body: [UInt8]?, contentType: String?, accept: String?) throws -> HTTPClientRequest {
        let target = base + path
        var request = HTTPClientRequest(url: target)
        request.method = method
        if let body {
            request.body = .bytes(body)
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        if let accept { request.headers.add(name: "Accept", value: accept) }
        if let signer {
            do {
                for (name, value) in try signer.headers(method: method.rawValue, targetURI: target, body: body, now: UnixTime.now()) {
                    request.headers.add(name: name, value: value)
                }
            } catch {
                throw LedgerClientError(.usage, "cannot sign the request to \(target): \(error)")
            }
        }
        return request
    }

    /// No complete answer within the request timeout.
    struct Timeout: Error, CustomStringConvertible {
        let limit: Duration
        var description: String { "no complete answer within \(limit.components.seconds) s" }
    }

    /// `work`'s result, or ``Timeout`` (and `work` cancelled) once `limit` has passed.
    static func within<T: Sendable>(_ limit: Duration, _ work: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await work() }
            group.addTask {
                try await Task.sleep(for: limit)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else { throw Timeout(limit: limit) }
            return result
        }
    }

    /// Waits before attempt `attempt + 1`: what the server asked (capped at 30 s), else 50 ms
    /// doubling up to 5 s.
    static func pause(attempt: Int, retryAfter: Int?) async {
        let milliseconds = retryAfter.map { min($0, 30) * 1000 } ?? min(50 << min(attempt - 1, 7), 5000)
        try? await Task.sleep(for: .milliseconds(milliseconds))
    }
}
