import AsyncHTTPClient
import Foundation
import LedgerCrypto
import LedgerTestSupport
import LedgerWire
import NIOCore
import NIOHTTP1
#if canImport(Glibc)
import Glibc
#endif

/// A real `flowledger serve` process on 127.0.0.1 with a free port, for tests: started with the
/// arguments given, its URL read from the first line of its stdout.
final class ServedProcess {
    let process: ChildProcess
    let url: String
    let directory: String

    /// Starts `flowledger serve DIR --listen 127.0.0.1:0 EXTRA…` and waits for its URL.
    convenience init(ledger: String, _ extra: [String] = [], scratch: String) async throws {
        try await self.init(arguments: ["serve", ledger, "--listen", "127.0.0.1:0"] + extra, directory: ledger, scratch: scratch)
    }

    /// Starts `flowledger ARGUMENTS…`, a server whose first stdout line is its URL (`serve`,
    /// `witness serve`), and waits for that URL.
    init(arguments: [String], directory: String, scratch: String) async throws {
        self.directory = directory
        process = try ChildProcess([flowledgerPath] + arguments, directory: scratch)
        var found: String?
        let deadline = Date().addingTimeInterval(60)
        while found == nil {
            let out = String(decoding: try process.stdout(), as: UTF8.self)
            if let newline = out.firstIndex(of: "\n") { found = String(out[..<newline]) }
            else if Date() > deadline { throw FixtureError("\(arguments.prefix(2).joined(separator: " ")) printed no URL within 60 s; stderr: \(try process.stderr())") }
            else {
                var status: Int32 = 0
                if waitpid(process.pid, &status, WNOHANG) == process.pid {
                    throw FixtureError("\(arguments.prefix(2).joined(separator: " ")) exited before listening; stderr: \(try process.stderr())")
                }
                try await Task.sleep(for: .milliseconds(20))
            }
        }
        url = found!
    }

    /// SIGTERM, then its exit code.
    func stop() -> Int32 {
        process.kill(SIGTERM)
        return process.wait()
    }

    deinit {
        process.kill(SIGKILL)
        process.wait()
    }
}

/// One HTTP answer.
struct Answer: Sendable {
    let status: Int
    let headers: HTTPHeaders
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
    var wireError: WireError { WireError(status: status, body: body) }
}

/// Requests to a served ledger, signed (RFC 9421) by `key` when one is given.
struct TestClient: Sendable {
    let base: String
    let key: PrivateKey?
    var http: HTTPClient = .shared

    func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil, contentType: String? = "application/x-ndjson",
              headers extra: [(String, String)] = [], now: Int64 = UnixTime.now(), sign: Bool = true,
              timeout: TimeAmount = .seconds(60)) async throws -> Answer {
        let target = base + path
        var request = HTTPClientRequest(url: target)
        request.method = method
        if let body {
            request.body = .bytes(body)
            if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
        }
        if sign, let key {
            for (name, value) in try RequestSigner(key: key).headers(method: method.rawValue, targetURI: target, body: body, now: now) {
                request.headers.add(name: name, value: value)
            }
        }
        for (name, value) in extra { request.headers.replaceOrAdd(name: name, value: value) }
        let response = try await http.execute(request, timeout: timeout)
        let buffer = try await response.body.collect(upTo: 64 << 20)
        return Answer(status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
    }
}
