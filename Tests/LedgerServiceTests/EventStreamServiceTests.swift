import AsyncHTTPClient
import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWire
import NIOCore
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `GET v1/events` (DESIGN §11.2): Server-Sent Events, live once durable, resumable.
@Suite(.serialized) struct EventStreamServiceTests {
    /// The events of a stream, parsed as they arrive.
    struct EventReader {
        var iterator: HTTPClientResponse.Body.AsyncIterator
        var pending: [UInt8] = []

        /// The next event's fields (`id`, `event`, `data` lines joined by newlines); comments skipped.
        mutating func next() async throws -> [String: String]? {
            while true {
                if let end = pending.firstRange(of: [0x0a, 0x0a]) {
                    let block = String(decoding: pending[..<end.lowerBound], as: UTF8.self)
                    pending.removeSubrange(..<end.upperBound)
                    var fields: [String: String] = [:]
                    for line in block.split(separator: "\n", omittingEmptySubsequences: false) where !line.hasPrefix(":") {
                        guard let colon = line.firstIndex(of: ":") else { continue }
                        let name = String(line[..<colon])
                        var value = line[line.index(after: colon)...]
                        if value.hasPrefix(" ") { value = value.dropFirst() }
                        fields[name] = fields[name].map { $0 + "\n" + value } ?? String(value)
                    }
                    if fields.isEmpty { continue }
                    return fields
                }
                guard let chunk = try await iterator.next() else { return nil }
                pending += chunk.readableBytesView
            }
        }
    }

    static func open(_ client: TestClient, _ path: String, headers: [(String, String)] = [], lifetime: Int64 = 60) async throws -> EventReader {
        let target = client.base + path
        var request = HTTPClientRequest(url: target)
        for (name, value) in try RequestSigner(key: client.key!, lifetime: lifetime).headers(method: "GET", targetURI: target, body: nil, now: UnixTime.now()) {
            request.headers.add(name: name, value: value)
        }
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
        #expect(response.status.code == 200)
        #expect(response.headers["Content-Type"].first == "text/event-stream")
        return EventReader(iterator: response.body.makeAsyncIterator())
    }

    /// A client that opens a stream and stops reading is cut off (a TCP reset, so the server's
    /// socket buffers go at once) when a write has waited on it for `--idle-timeout`. Before,
    /// an unsigned stream held its connection and about 2.8 MB of socket buffers for good.
    @Test(.timeLimit(.minutes(2))) func aFollowerThatStopsReadingIsCutOffAtTheIdleTimeout() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        // About 4.5 MB of entries: more than the kernel's socket buffers and NIO's hold.
        let ledger = try Ledger.open(at: fixture.directory)
        _ = try await ledger.append(try (100..<7600).map { try fixture.scenario.exchange($0) })
        ledger.close()
        let server = try await fixture.serve(["--public-read", "--idle-timeout", "1s"])
        defer { _ = server.stop() }
        let port = UInt16(server.url.split(separator: ":").last!.filter(\.isNumber))!
        let connection = try RawConnection(url: server.url, receiveBuffer: 4096)
        let fd = connection.fd
        connection.send("GET /v1/events?from=0 HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n\r\n")
        try await Task.sleep(for: .seconds(4))  // not reading: the server's writes wait, past the 1 s limit

        // Reading now drains what the kernel still holds, then meets the end; a stream still
        // open would instead leave the reader waiting, which the receive timeout turns into EAGAIN.
        var timeout = timeval(tv_sec: 10, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65536)
        var received = 0
        var ending: Int32 = 0
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n > 0 { received += n; continue }
            ending = n == 0 ? 0 : errno
            break
        }
        #expect(ending == 0 || ending == ECONNRESET, "the stream was still open after \(received) bytes (errno \(ending))")
        #expect(received < 4_000_000, "the server sent the whole log (\(received) bytes) to a client that had stopped reading")
        // The server goes on serving others.
        let health = try await TestClient(base: server.url, key: nil).send(.GET, "healthz", sign: false)
        #expect(health.status == 200)
    }

    @Test func followersSeeEveryEntryLiveAndResumeAfterTheLastID() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let keyPath = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let server = try await fixture.serve(["--operator-key", keyPath, "--checkpoint-interval", "100ms"])
        defer { _ = server.stop() }
        let auditor = TestClient(base: server.url, key: fixture.scenario.auditorKey)
        var stream = try await Self.open(auditor, "v1/events?from=0")
        let lines = try String(contentsOfFile: fixture.directory + "/log/00000000000000000000.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        for (seq, line) in lines.enumerated() {
            var event = try await stream.next()
            while event?["event"] == "checkpoint" { event = try await stream.next() }
            #expect(event?["id"] == String(seq))
            #expect(event?["event"] == "entry")
            #expect(event?["data"] == line)
        }
        // Live: an append is seen, then the checkpoint that covers it.
        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let append = try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([try fixture.scenario.exchange(1)]))
        #expect(append.status == 200)
        var live = try await stream.next()
        while live?["event"] == "checkpoint" { live = try await stream.next() }
        #expect(live?["id"] == String(lines.count))
        let appended = try String(contentsOfFile: fixture.directory + "/log/00000000000000000000.jsonl", encoding: .utf8)
            .split(separator: "\n").map(String.init)
        #expect(live?["data"] == appended.last)
        var checkpoint = try await stream.next()
        while checkpoint?["event"] == "entry" { checkpoint = try await stream.next() }
        #expect(checkpoint?["event"] == "checkpoint")
        #expect(checkpoint?["data"]?.hasPrefix(fixture.scenario.origin + "\n\(lines.count + 1)\n") == true, "\(checkpoint ?? [:])")

        // Resume: Last-Event-ID N starts at N + 1.
        var resumed = try await Self.open(auditor, "v1/events?from=0", headers: [("Last-Event-ID", String(lines.count - 1))])
        var first = try await resumed.next()
        while first?["event"] == "checkpoint" { first = try await resumed.next() }
        #expect(first?["id"] == String(lines.count))
    }

    /// A stream lasts as long as the signature that opened it and the standing of its party: it
    /// ends when the signature expires, and when the party is suspended (it once went on for
    /// ever, delivering to a suspended party). A new request by that party is refused.
    @Test(.timeLimit(.minutes(1))) func aStreamEndsWhenItsSignatureExpiresOrItsPartyIsSuspended() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let auditor = TestClient(base: server.url, key: fixture.scenario.auditorKey)
        let size = try String(contentsOfFile: fixture.directory + "/log/00000000000000000000.jsonl", encoding: .utf8).split(separator: "\n").count

        var brief = try await Self.open(auditor, "v1/events?from=0", lifetime: 2)
        let opened = ContinuousClock.now
        var entries = 0
        while let event = try await brief.next() { if event["event"] == "entry" { entries += 1 } }
        #expect(entries == size)
        #expect(ContinuousClock.now - opened < .seconds(10), "the stream outlived its 2 s signature")

        var stream = try await Self.open(auditor, "v1/events?from=\(size)")
        let suspension = try fixture.scenario.operatorParty.sign(.partySuspended(PartyStatusBody(party: "audit.sh", reason: "mandate ended")), id: "suspend-audit", at: Scenario.at)
        let suspended = try await TestClient(base: server.url, key: fixture.scenario.operatorKey).send(.POST, "v1/entries", body: ServiceFixture.body([suspension]))
        #expect(suspended.status == 200, "\(suspended.text)")
        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        #expect(try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([try fixture.scenario.exchange(1)])).status == 200)
        var after: [String] = []
        while let event = try await stream.next() { if let id = event["id"] { after.append(id) } }
        #expect(!after.contains(String(size + 1)), "the suspended party was sent the entry appended after its suspension: \(after)")
        #expect(try await auditor.send(.GET, "v1/entries?from=0").status == 403)
    }
}
