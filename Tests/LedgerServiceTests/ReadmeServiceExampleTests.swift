import AsyncHTTPClient
import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// The README's participant program for a served ledger compiles, appends through a real
/// `flowledger serve`, and is shown in the README verbatim.
@Suite struct ReadmeServiceExampleTests {
    @Test func theReadmeProgramAppendsThroughTheServer() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let url = server.url
        let platform = fixture.scenario.platform, platformKey = fixture.scenario.platformKey
        let exchange = try fixture.scenario.exchange(42).event.body
        var printed: [String] = []
        func print(_ text: String) { printed.append(text) }

        // README service: begin
        let events = [try platform.sign(exchange, id: "x-42")]
        let body: [UInt8] = events.flatMap { $0.line + [0x0a] }   // one canonical {"event","sig"} line per event
        var request = HTTPClientRequest(url: url + "v1/entries")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-ndjson")
        request.body = .bytes(body)
        for (name, value) in try RequestSigner(key: platformKey).headers(method: "POST", targetURI: url + "v1/entries",
                                                                         body: body, now: UnixTime.now()) {
            request.headers.add(name: name, value: value)
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let answer = Array(try await response.body.collect(upTo: 1 << 20).readableBytesView)
        guard response.status == .ok else { throw WireError(status: Int(response.status.code), body: answer) }
        print(String(decoding: answer, as: UTF8.self))   // {"hash":"…","seq":8}
        // README service: end

        #expect(printed.count == 1 && printed[0].hasSuffix(",\"seq\":8}\n"), "\(printed)")
        #expect(try readmeShows(readmeBlock(named: "service", in: #filePath)))
    }

    @Test func theReadmeRemoteProgramAppendsWithACheckedProofAndFollows() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let operatorKeyPath = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let server = try await fixture.serve(["--operator-key", operatorKeyPath, "--checkpoint-interval", "100ms"])
        defer { _ = server.stop() }
        let url = server.url
        let platform = fixture.scenario.platform, platformKey = fixture.scenario.platformKey
        let exchange = try fixture.scenario.exchange(43).event.body
        let checkpointFile = fixture.work + "/exchange.checkpoint"
        var printed: [String] = []
        func print(_ text: String) { printed.append(text) }

        // README remote: begin
        var options = RemoteLedgerOptions()
        options.checkpointFile = checkpointFile   // the latest verified checkpoint, kept across runs
        let ledger = try await RemoteLedger.connect(to: url, key: platformKey, options: options)
        let receipts = try await ledger.append([try platform.sign(exchange, id: "x-43")], wait: .checkpoint)
        print("entry \(receipts[0].seq): proof checked against a verified checkpoint")
        for try await entry in ledger.follow(from: receipts[0].seq) {   // replayed and checked from genesis
            print("\(entry.seq) \(entry.event.type.rawValue) by \(entry.event.author)")
            break
        }
        await ledger.close()
        // README remote: end

        #expect(printed == ["entry 8: proof checked against a verified checkpoint", "8 exchange.sent by ride.example"], "\(printed)")
        #expect(FileManager.default.fileExists(atPath: checkpointFile))
        #expect(try readmeShows(readmeBlock(named: "remote", in: #filePath)))
    }
}
