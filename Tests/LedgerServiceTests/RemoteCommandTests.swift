import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The CLI against a served ledger's URL: `append`, `tail`, `prove`, `vkey`, with the same
/// output and exit codes as against a directory.
@Suite(.serialized) struct RemoteCommandTests {
    @Test func appendTailProveAndVkeyWorkAgainstAURL() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let operatorKeyPath = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let platformKeyPath = try fixture.keyFile(fixture.scenario.platformKey, "platform.pem")
        let server = try await fixture.serve(["--operator-key", operatorKeyPath, "--checkpoint-interval", "100ms"])
        defer { _ = server.stop() }

        // Events signed here with --key and --author.
        let unsigned = fixture.work + "/unsigned.jsonl"
        try write("""
            {"type":"exchange.sent","id":"cli-1","at":"2026-11-23T08:00:00Z","body":{"exchange":"cli-1","dataset":"trips","recipient":"transport.sh","grant":"g-1","purpose":"supervision","fields":["end","start"],"records":3,"bytes":30,"digest":"\(String(repeating: "ab", count: 32))"}}

            """, to: unsigned)
        let signedHere = try await flowledgerAsync(["append", server.url, "--key", platformKeyPath, "--author", "ride.example", unsigned])
        #expect(signedHere.status == 0, "\(signedHere.err)")
        #expect(signedHere.out.hasPrefix("{\"hash\":\"") && signedHere.out.hasSuffix(",\"seq\":8}\n"))
        // Events signed elsewhere, with --signed: the key signs only the requests.
        let signed = try fixture.scenario.writeSignedExchanges(count: 3)
        let relayed = try await flowledgerAsync(["append", server.url, "--signed", signed, "--key", platformKeyPath, "--wait-checkpoint"])
        #expect(relayed.status == 0, "\(relayed.err)")
        let receipts = relayed.out.split(separator: "\n")
        #expect(receipts.count == 3)
        #expect(receipts.allSatisfy { $0.contains("\"proof\":\"") })
        // Again: idempotent, the same receipts.
        let again = try await flowledgerAsync(["append", server.url, "--signed", signed, "--key", platformKeyPath])
        #expect(again.out.split(separator: "\n").map { $0.contains("\"seq\":9") || $0.contains("\"seq\":10") || $0.contains("\"seq\":11") } == [true, true, true])

        // tail over the network prints what tail of the directory prints, byte for byte.
        let remoteTail = try await flowledgerAsync(["tail", server.url, "--key", platformKeyPath, "-n", "5", "-o", "raw", "--verify"])
        let localTail = try await flowledgerAsync(["tail", fixture.directory, "-n", "5", "-o", "raw"])
        #expect(remoteTail.status == 0, "\(remoteTail.err)")
        #expect(remoteTail.out == localTail.out)
        #expect(remoteTail.out.split(separator: "\n").count == 5)
        let filtered = try await flowledgerAsync(["tail", server.url, "--key", platformKeyPath, "--from", "0", "--type", "party.", "-o", "json"])
        #expect(filtered.out.split(separator: "\n").count == 5)  // four registrations and a suspension

        // A proof from the URL checks offline with the operator's key from the URL.
        let vkey = try await flowledgerAsync(["vkey", server.url, "--key", platformKeyPath])
        let localVkey = try await flowledgerAsync(["vkey", fixture.directory])
        #expect(vkey.out == localVkey.out)
        let vkeyPath = fixture.work + "/operator.vkey"
        try write(vkey.out, to: vkeyPath)
        let proof = try await flowledgerAsync(["prove", server.url, "--key", platformKeyPath, "--seq", "9", "--vkey", vkeyPath])
        #expect(proof.status == 0, "\(proof.err)")
        try write(proof.out, to: fixture.work + "/entry-9.tlog-proof")
        let checked = try await flowledgerAsync(["verify-proof", fixture.work + "/entry-9.tlog-proof", "--vkey", vkeyPath])
        #expect(checked.status == 0, "\(checked.out)\(checked.err)")

        // A line a rule refuses: exit 1, the line named, the lines before it appended.
        let mixed = fixture.work + "/mixed.jsonl"
        try write("""
            {"type":"exchange.sent","id":"cli-2","at":"2026-11-23T08:00:00Z","body":{"exchange":"cli-2","dataset":"trips","recipient":"transport.sh","grant":"g-1","purpose":"supervision","fields":["end","start"],"records":3,"bytes":30,"digest":"\(String(repeating: "cd", count: 32))"}}
            {"type":"exchange.sent","id":"cli-3","at":"2026-11-23T08:00:00Z","body":{"exchange":"cli-3","dataset":"trips","recipient":"transport.sh","grant":"g-none","purpose":"supervision","fields":["end","start"],"records":3,"bytes":30,"digest":"\(String(repeating: "ef", count: 32))"}}

            """, to: mixed)
        let refused = try await flowledgerAsync(["append", server.url, "--key", platformKeyPath, "--author", "ride.example", mixed])
        #expect(refused.status == 1)
        #expect(refused.err.contains("\(mixed) line 2:"), "\(refused.err)")
        #expect(refused.err.contains("g-none"))
        #expect(refused.out.split(separator: "\n").count == 1)

        // No key for a served ledger: a usage error (2) that says what to give.
        let keyless = try await flowledgerAsync(["append", server.url, "--signed", signed])
        #expect(keyless.status == 2)
        #expect(keyless.err.contains("--key"))
        // An unregistered key: refused with the server's words (exit 2).
        let strangerPath = try fixture.keyFile(fixture.strangerKey, "stranger.pem")
        let stranger = try await flowledgerAsync(["tail", server.url, "--key", strangerPath])
        #expect(stranger.status == 2)
        #expect(stranger.err.contains("401"), "\(stranger.err)")
    }

    @Test func tailFollowsAURLLiveWithItsCursorFile() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let auditorKeyPath = try fixture.keyFile(fixture.scenario.auditorKey, "audit.pem")
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let cursor = fixture.work + "/tail.cursor"
        let follower = try ChildProcess([flowledgerPath, "tail", server.url, "--key", auditorKeyPath, "-f", "-n", "0", "--verify",
                                         "--cursor-file", cursor, "--max-events", "3", "-o", "json", "--timeout", "60s"], directory: fixture.work)
        try await Task.sleep(for: .milliseconds(500))
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        _ = try await ledger.append([fixture.scenario.exchange(1), fixture.scenario.exchange(2)])
        _ = try await ledger.append(fixture.scenario.exchange(3))
        let status = await follower.exitCode()
        let stderr = try follower.stderr()
        #expect(status == 0, "\(stderr)")
        let lines = String(decoding: try follower.stdout(), as: UTF8.self).split(separator: "\n")
        #expect(lines.count == 3)
        #expect(lines.allSatisfy { $0.contains("\"type\":\"exchange.sent\"") })
        #expect(try contents(cursor).trimmingCharacters(in: .whitespacesAndNewlines) == "11")
        await ledger.close()
    }

    @Test func overHTTPSTheClientTrustsOnlyTheCAItIsGiven() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let (server, cert) = try await fixture.serveOverTLS()
        defer { _ = server.stop() }
        let platformKeyPath = try fixture.keyFile(fixture.scenario.platformKey, "platform.pem")
        let signed = try fixture.scenario.writeSignedExchanges(count: 2)
        let trusted = try await flowledgerAsync(["append", server.url, "--key", platformKeyPath, "--signed", signed, "--ca", cert])
        #expect(trusted.status == 0, "\(trusted.err)")
        #expect(trusted.out.split(separator: "\n").count == 2)
        // Without --ca the self-signed certificate is not trusted: nothing is sent, exit 2.
        var options = RemoteLedgerOptions()
        options.retries = 0
        options.requestTimeout = 5
        do {
            _ = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey, options: options)
            Issue.record("the client trusted a certificate no CA it knows signed")
        } catch {
            #expect(error.code == .unreachable)
        }
    }
}
