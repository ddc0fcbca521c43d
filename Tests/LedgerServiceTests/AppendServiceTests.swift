import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerWire
import Testing

/// `POST v1/entries` against a real `flowledger serve` process (DESIGN §11.3, §11.4).
@Suite(.serialized) struct AppendServiceTests {
    @Test func appendsAreDurableIdempotentAndReadBackByteForByte() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        let client = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let events = try (0..<5).map { try fixture.scenario.exchange($0) }

        let first = try await client.send(.POST, "v1/entries", body: ServiceFixture.body(events))
        #expect(first.status == 200, "\(first.text)")
        #expect(first.headers["Content-Type"].first == "application/x-ndjson")
        let receipts = first.text.split(separator: "\n").map(String.init)
        #expect(receipts.count == 5)
        #expect(receipts.first?.hasPrefix("{\"hash\":\"") == true && receipts.first?.hasSuffix(",\"seq\":8}") == true)

        // The same batch again: the original receipts, nothing appended twice (rule 3).
        let again = try await client.send(.POST, "v1/entries", body: ServiceFixture.body(events))
        #expect(again.status == 200)
        #expect(again.text == first.text)

        // Read back: the stored lines, byte for byte, from any registered party.
        let reader = TestClient(base: server.url, key: fixture.scenario.auditorKey)
        let read = try await reader.send(.GET, "v1/entries?from=8&limit=5")
        #expect(read.status == 200)
        let stored = try String(contentsOfFile: fixture.directory + "/log/00000000000000000000.jsonl", encoding: .utf8)
            .split(separator: "\n", omittingEmptySubsequences: false).dropFirst(8).prefix(5).joined(separator: "\n") + "\n"
        #expect(read.text == stored)

        #expect(server.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: fixture.directory + "/serve.url"))
        let verify = try flowledger(["verify", fixture.directory])
        #expect(verify.status == 0, "\(verify.out)\(verify.err)")
    }

    @Test func everyRefusalHasItsStatusCodeAndWritesNothing() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let scenario = fixture.scenario
        let platform = TestClient(base: server.url, key: scenario.platformKey)
        _ = try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([try scenario.exchange(1)]))
        let before = try fixture.logBytes()

        func expectRefusal(_ answer: Answer, _ status: Int, _ code: String, line: Int? = nil, rule: Int? = nil,
                           sourceLocation: SourceLocation = #_sourceLocation) {
            let error = answer.wireError
            #expect(answer.status == status, "\(error)", sourceLocation: sourceLocation)
            #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
            if let line { #expect(error.line == line, "\(error)", sourceLocation: sourceLocation) }
            if let rule { #expect(error.rule == rule, "\(error)", sourceLocation: sourceLocation) }
            #expect(!error.message.isEmpty, sourceLocation: sourceLocation)
        }

        let good = CanonicalJSON.encode(try scenario.exchange(2).json)
        // Malformed, not canonical, oversized.
        expectRefusal(try await platform.send(.POST, "v1/entries", body: good + [0x0a] + Array("{not json\n".utf8)), 400, "notCanonical", line: 2)
        let spaced = Array(String(decoding: good, as: UTF8.self).replacingOccurrences(of: "\":", with: "\": ").utf8)
        expectRefusal(try await platform.send(.POST, "v1/entries", body: spaced + [0x0a]), 400, "notCanonical", line: 1)
        expectRefusal(try await platform.send(.POST, "v1/entries", body: [UInt8](repeating: 0x20, count: 70_000) + [0x0a]), 400, "lineTooLong", line: 1)
        expectRefusal(try await platform.send(.POST, "v1/entries", body: Array(repeating: good + [0x0a], count: 1001).flatMap { $0 }), 400, "tooManyLines")
        expectRefusal(try await platform.send(.POST, "v1/entries", body: [UInt8](repeating: 0x0a, count: (4 << 20) + 1)), 413, "bodyTooLarge")
        expectRefusal(try await platform.send(.POST, "v1/entries", body: good + [0x0a], contentType: "application/json"), 415, "unsupportedMediaType")
        expectRefusal(try await platform.send(.POST, "v1/entries", body: good + [0x0a], contentType: "application/x-ndjsonx"), 415, "unsupportedMediaType")

        // Event signatures and ids (the rules of §7).
        var forged = try scenario.exchange(3)
        forged = SignedEvent(event: forged.event, signature: try scenario.transportKey.sign(Array("not this event".utf8)))
        expectRefusal(try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([try scenario.exchange(4), forged])), 422, "badSignature", line: 2, rule: 2)
        let otherOrigin = Participant(id: "ride.example", key: scenario.platformKey, origin: "another.ledger.example/2026")
        let foreign = try otherOrigin.sign(try scenario.exchange(5).event.body, id: "x-5", at: Scenario.at)
        expectRefusal(try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([foreign])), 422, "badSignature", line: 1, rule: 2)
        var reused = try scenario.exchange(1)
        reused = try scenario.platform.sign(try scenario.exchange(6).event.body, id: reused.event.id, at: Scenario.at)
        expectRefusal(try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([reused])), 409, "idConflict", line: 1, rule: 3)

        // Request signatures (§11.4).
        let body = good + [0x0a]
        expectRefusal(try await platform.send(.POST, "v1/entries", body: body, sign: false), 401, "unauthenticated")
        expectRefusal(try await platform.send(.POST, "v1/entries", body: body, now: UnixTime.now() - 1000), 401, "unauthenticated")
        let stranger = TestClient(base: server.url, key: fixture.strangerKey)
        expectRefusal(try await stranger.send(.POST, "v1/entries", body: body), 401, "unauthenticated")
        let suspended = TestClient(base: server.url, key: fixture.suspendedKey)
        expectRefusal(try await suspended.send(.POST, "v1/entries", body: body), 403, "forbidden")
        expectRefusal(try await suspended.send(.GET, "v1/entries?from=0"), 403, "forbidden")
        expectRefusal(try await platform.send(.GET, "v1/entries?from=0", sign: false), 401, "unauthenticated")

        // A replayed request: the same signature headers sent twice.
        let target = server.url + "v1/entries?from=0"
        let headers = try RequestSigner(key: scenario.platformKey).headers(method: "GET", targetURI: target, body: nil, now: UnixTime.now())
        let once = try await platform.send(.GET, "v1/entries?from=0", headers: headers, sign: false)
        #expect(once.status == 200)
        expectRefusal(try await platform.send(.GET, "v1/entries?from=0", headers: headers, sign: false), 401, "unauthenticated")
        // A signature made for another path does not open this one.
        let elsewhere = try RequestSigner(key: scenario.platformKey).headers(method: "GET", targetURI: server.url + "v1/entries?from=1", body: nil, now: UnixTime.now())
        expectRefusal(try await platform.send(.GET, "v1/entries?from=0", headers: elsewhere, sign: false), 401, "unauthenticated")
        // A body changed after signing.
        let signedFor = try RequestSigner(key: scenario.platformKey).headers(method: "POST", targetURI: server.url + "v1/entries", body: body, now: UnixTime.now())
        let tampered = CanonicalJSON.encode(try scenario.exchange(7).json) + [0x0a]
        expectRefusal(try await platform.send(.POST, "v1/entries", body: tampered, headers: signedFor, sign: false), 401, "unauthenticated")

        #expect(try fixture.logBytes() == before, "a refused request changed log/")

        // A media type is case-insensitive and may carry parameters (RFC 9110 §8.3.1).
        let mixedCase = try await platform.send(.POST, "v1/entries", body: good + [0x0a], contentType: "Application/X-NDJSON ;\tcharset=utf-8")
        #expect(mixedCase.status == 200, "\(mixedCase.text)")
    }

    @Test func submittersAreRateLimited() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--rate", "3/s"])
        defer { _ = server.stop() }
        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let ok = try await platform.send(.POST, "v1/entries", body: ServiceFixture.body(try (0..<3).map { try fixture.scenario.exchange($0) }))
        #expect(ok.status == 200)
        // 30 more events need 10 s of refill at 3/s: refused however slowly this machine runs.
        let limited = try await platform.send(.POST, "v1/entries", body: ServiceFixture.body(try (3..<33).map { try fixture.scenario.exchange($0) }))
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.wireError.code == "rateLimited")
        #expect(Int(limited.headers["Retry-After"].first ?? "") ?? 0 >= 1)
    }

    /// A rate below one event a second is said as it is (it once read "0 events per second"),
    /// its waits are bounded, and a rate of nothing or of everything is refused at the start.
    @Test func aSlowRateIsSaidAsGivenAndAbsurdRatesAreRefused() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        for absurd in ["0/s", "1e-19/s", "inf", "1e400/s"] {
            let refused = try flowledger(["serve", fixture.directory, "--listen", "127.0.0.1:0", "--rate", absurd])
            #expect(refused.status == 2 && refused.err.contains("--rate \(absurd): give events per second from 0.001"), "\(absurd): \(refused.err)")
        }
        let server = try await fixture.serve(["--rate", "0.001/s"])
        defer { _ = server.stop() }
        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let limited = try await platform.send(.POST, "v1/entries", body: ServiceFixture.body(try (0..<3).map { try fixture.scenario.exchange($0) }))
        #expect(limited.status == 429, "\(limited.text)")
        #expect(limited.wireError.message.contains("may append 0.001 events per second"), "\(limited.text)")
        #expect(limited.headers["Retry-After"].first == "2999")  // 3 events at 0.001/s, less the burst of 0.001
    }

    @Test func waitCheckpointAnswersWithProofsThatVerifyOffline() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let keyPath = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let server = try await fixture.serve(["--operator-key", keyPath, "--checkpoint-interval", "200ms"])
        defer { _ = server.stop() }
        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let answer = try await platform.send(.POST, "v1/entries?wait=checkpoint", body: ServiceFixture.body(try (0..<3).map { try fixture.scenario.exchange($0) }))
        #expect(answer.status == 200, "\(answer.text)")
        let vkey = try flowledger(["vkey", fixture.directory]).out.trimmingCharacters(in: .whitespacesAndNewlines)
        for line in answer.text.split(separator: "\n") {
            guard case .object(let receipt) = try InputJSON.parse(Array(line.utf8)), case .string(let proof)? = receipt["proof"] else {
                Issue.record("no proof in \(line)")
                continue
            }
            let path = fixture.work + "/entry.tlog-proof"
            try proof.write(toFile: path, atomically: true, encoding: .utf8)
            let check = try flowledger(["verify-proof", "--vkey", vkey, path])
            #expect(check.status == 0, "\(check.out)\(check.err)")
        }
        let latest = try await platform.send(.GET, "checkpoint")
        #expect(latest.status == 200)
        #expect(latest.headers["Cache-Control"].first == "no-cache")
        #expect(latest.text.hasPrefix(fixture.scenario.origin + "\n"))
    }
}

/// `GET v1/report`: the regulator's report of the served ledger, for readers (DESIGN §11.4).
@Suite struct ReportServiceTests {
    @Test func theServerOffersTheReportToReadersOnly() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let auditor = TestClient(base: server.url, key: fixture.scenario.auditorKey)
        let page = try await auditor.send(.GET, "v1/report")
        #expect(page.status == 200, "\(page.text.prefix(300))")
        #expect(page.headers["Content-Type"].first == "text/html; charset=utf-8")
        #expect(page.text.hasPrefix("<!DOCTYPE html>") && page.text.contains(fixture.scenario.origin))
        // Another spelling of the same language is the same page, not another build (a second
        // build would say the first entries were checked against the remembered root).
        for spelling in ["EN", "en-GB"] {
            let respelled = try await auditor.send(.GET, "v1/report?lang=\(spelling)")
            #expect(respelled.status == 200 && respelled.body == page.body, "lang=\(spelling) was built again")
        }
        let chinese = try await auditor.send(.GET, "v1/report?lang=zh-CN")
        #expect(chinese.status == 200 && chinese.text.contains("数据交换监管报告"))
        #expect(try await auditor.send(.GET, "v1/report?lang=fr").status == 400)
        #expect(try await auditor.send(.GET, "v1/report", sign: false).status == 401)
        #expect(try await TestClient(base: server.url, key: fixture.suspendedKey).send(.GET, "v1/report").status == 403)

        // The log grows: the rebuilt page verifies only the new entries' signatures and says
        // the rest were checked against the root the server remembered from the first build.
        #expect(!page.text.contains("remembered from earlier verifications"))
        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let appended = try await platform.send(.POST, "v1/entries", body: ServiceFixture.body([try fixture.scenario.exchange(1)]))
        #expect(appended.status == 200, "\(appended.text)")
        let rebuilt = try await auditor.send(.GET, "v1/report")
        #expect(rebuilt.status == 200)
        #expect(rebuilt.text.contains("first entries checked only against the root remembered from earlier verifications by this tool, which verified their signatures; the latest ran at"))
        #expect(rebuilt.text.contains("1 signatures verified"), "\(rebuilt.text)")
    }
}
