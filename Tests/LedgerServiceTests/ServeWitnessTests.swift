import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// `serve --witness URL=VKEY --witness-quorum K` with real `flowledger witness serve` processes
/// (DESIGN §11.5): each checkpoint is cosigned through c2sp.org/tlog-witness before it is
/// published, with at least K cosignatures; a witness that is down withholds nothing but its own.
@Suite(.serialized) struct ServeWitnessTests {
    /// A witness's key file, state and verifier key (TEST-ONLY keys, generated per test).
    struct Witness {
        let key: String
        let state: String
        let vkey: String

        init(_ name: String, work: String) throws {
            key = work + "/TEST-ONLY-\(name).pem"
            _ = FileManager.default.createFile(atPath: key, contents: Data(try PrivateKey.generate(suite: .ed25519SHA256).pemRepresentation().utf8),
                                               attributes: [.posixPermissions: 0o600])
            state = work + "/\(name).state.json"
            let created = try flowledger(["witness", "init", "--key", key, "--name", "\(name).test.example", "--state", state])
            guard created.status == 0, let line = created.out.split(separator: "\n").first(where: { $0.hasPrefix("vkey ") }) else {
                throw FixtureError("witness init failed: \(created.err)")
            }
            vkey = String(line.dropFirst(5))
        }
    }

    @Test func aWitnessThatIsDownWithholdsOnlyItsOwnCosignatureAndAQuorumItCannotReachPublishesNothing() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let operatorVkey = try flowledger(["vkey", fixture.directory]).out.trimmingCharacters(in: .newlines)
        let up = try Witness("up", work: fixture.work)
        let down = try Witness("down", work: fixture.work)
        let witness = try await ServedProcess(arguments: ["witness", "serve", "--state", up.state, "--key", up.key, "--listen", "127.0.0.1:0", "--log", operatorVkey],
                                              directory: fixture.work, scratch: fixture.work)
        defer { _ = witness.stop() }
        let nowhere = "http://127.0.0.1:9/"   // discard port: nothing listens
        let operatorKey = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let witnessArguments = ["--witness", "\(witness.url)=\(up.vkey)", "--witness", "\(nowhere)=\(down.vkey)"]

        // Quorum 2 with one witness down: no checkpoint, appends go on, the log says why.
        do {
            let server = try await fixture.serve(["--operator-key", operatorKey, "--checkpoint-interval", "100ms", "--public-read", "--witness-quorum", "2",
                                                  "--checkpoint-wait", "1s"] + witnessArguments)
            try await Task.sleep(for: .milliseconds(4000))
            let client = TestClient(base: server.url, key: nil)
            #expect(try await client.send(.GET, "checkpoint", sign: false).status == 404)
            let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
            #expect(try await ledger.append(fixture.scenario.exchange(1)).seq == 8)
            await ledger.close()
            // An append that waits for a checkpoint gets 503 after --checkpoint-wait, not silence.
            let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
            let asked = ContinuousClock.now
            let waited = try await platform.send(.POST, "v1/entries?wait=checkpoint", body: ServiceFixture.body([try fixture.scenario.exchange(5)]))
            #expect(waited.status == 503, "\(waited.text)")
            #expect(waited.wireError.message.contains("entries 9…9 are durable, but no checkpoint covering them was published within 1 s"), "\(waited.text)")
            #expect(ContinuousClock.now - asked < .seconds(30))
            try await Task.sleep(for: .milliseconds(500))
            #expect(try await client.send(.GET, "checkpoint", sign: false).status == 404)
            #expect(server.stop() == 0)
            let log = try server.process.stderr()
            #expect(log.contains("NOT published: 1 of 2 witnesses cosigned, --witness-quorum is 2"), "\(log)")
            #expect(log.contains("127.0.0.1:9/") && log.contains("cannot be reached"), "\(log)")
        }

        // Quorum 1: published with the one cosignature that came back, which a client can require.
        let server = try await fixture.serve(["--operator-key", operatorKey, "--checkpoint-interval", "100ms", "--public-read", "--witness-quorum", "1"] + witnessArguments)
        defer { _ = server.stop() }
        let client = TestClient(base: server.url, key: nil)
        let deadline = Date().addingTimeInterval(30)
        while try await client.send(.GET, "checkpoint", sign: false).status != 200 {
            guard Date() < deadline else {
                Issue.record("no checkpoint within 30 s: \(try server.process.stderr())")
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        var options = RemoteLedgerOptions()
        options.witnesses = [try VerifierKey(string: up.vkey)]
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey, options: options)
        let (checkpoint, note) = try await ledger.latestCheckpoint()
        #expect(checkpoint.size == 10)  // the 8 of the fixture, and the two appended above
        #expect(note.contains("— up.test.example "))
        #expect(!note.contains("— down.test.example "))
        let receipt = try await ledger.append(fixture.scenario.exchange(2), wait: .checkpoint)
        #expect(try #require(receipt.proof).checkpoint.contains("— up.test.example "))
        await ledger.close()
        let verified = try await flowledgerAsync(["verify", fixture.directory, "--witness-key", up.vkey])
        #expect(verified.status != 1, "\(verified.out) \(verified.err)")
    }
}
