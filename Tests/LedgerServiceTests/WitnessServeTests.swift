import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import LedgerVerify
import Testing

/// `flowledger witness serve` as a real process (DESIGN §11.5, c2sp.org/tlog-witness): the
/// statuses of `POST add-checkpoint`, the state it keeps across restarts, and its one winner
/// among concurrent requests from the same old size.
@Suite(.serialized) struct WitnessServeTests {
    /// A ledger with checkpoints of sizes 6, 10 and 15, the proofs between them, and a witness
    /// state (TEST-ONLY keys, generated per test).
    struct Fixture: Sendable {
        let scenario: Scenario
        let notes: [Int64: String]
        let proofs: [String: [Hash32]]
        let operatorVkey: String
        let witnessVkey: VerifierKey
        let state: String
        let key: String
        var work: String { scenario.workDirectory }

        init() async throws {
            let scenario = try Scenario()
            self.scenario = scenario
            let ledger = try await scenario.create()
            var notes: [Int64: String] = [6: try ledger.checkpoint(operatorKey: scenario.operatorKey).note]
            _ = try await ledger.append(try (0..<4).map { try scenario.exchange($0) })
            notes[10] = try ledger.checkpoint(operatorKey: scenario.operatorKey).note
            _ = try await ledger.append(try (4..<9).map { try scenario.exchange($0) })
            notes[15] = try ledger.checkpoint(operatorKey: scenario.operatorKey).note
            var proofs: [String: [Hash32]] = [:]
            for (old, new) in [(6, 10), (6, 15), (10, 15)] {
                proofs["\(old)-\(new)"] = try ledger.consistencyProof(old: Int64(old), new: Int64(new)).proof.path
            }
            operatorVkey = try ledger.verifierKey().string
            ledger.close()
            self.notes = notes
            self.proofs = proofs
            key = scenario.workDirectory + "/TEST-ONLY-witness.pem"
            _ = FileManager.default.createFile(atPath: key, contents: Data(try PrivateKey.generate(suite: .ed25519SHA256).pemRepresentation().utf8),
                                           attributes: [.posixPermissions: 0o600])
            state = scenario.workDirectory + "/witness.json"
            let created = try flowledger(["witness", "init", "--key", key, "--name", "witness.test.example", "--state", state])
            guard created.status == 0, let line = created.out.split(separator: "\n").first(where: { $0.hasPrefix("vkey ") }) else {
                throw FixtureError("witness init failed: \(created.err)")
            }
            witnessVkey = try VerifierKey(string: String(line.dropFirst(5)))
        }

        func serve(_ extra: [String] = []) async throws -> ServedProcess {
            try await ServedProcess(arguments: ["witness", "serve", "--state", state, "--key", key, "--listen", "127.0.0.1:0", "--log", operatorVkey] + extra,
                                    directory: work, scratch: work)
        }

        /// An add-checkpoint body.
        static func body(old: Int64, proof: [Hash32] = [], note: String) -> [UInt8] {
            Array(("old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note).utf8)
        }

        /// `POST add-checkpoint` with `body`.
        func add(_ server: ServedProcess, _ body: [UInt8]) async throws -> Answer {
            try await Self.add(server.url, body)
        }

        /// `POST add-checkpoint` with `body` to the witness at `url`.
        static func add(_ url: String, _ body: [UInt8]) async throws -> Answer {
            try await TestClient(base: url, key: nil).send(.POST, "add-checkpoint", body: body, contentType: "text/plain")
        }

        /// `note` with `count` more signature lines, of keys nobody knows (as anyone may add).
        static func padded(_ note: String, _ count: Int, seed: Int = 0) -> String {
            note + (0..<count).map { i in
                "— pad\(i).example " + Data((0..<68).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i &+ seed) }).base64EncodedString() + "\n"
            }.joined()
        }

        /// Whether `lines` are a valid cosignature by this witness of `note`.
        func cosigns(_ lines: String, _ note: String) throws -> Bool {
            let cosigned = try Note(parsing: Array((note + lines).utf8))
            return CosignatureCheck.verify(note: cosigned, witnesses: [witnessVkey])[witnessVkey]?.isValid == true
        }
    }

    @Test func cosignsFromTheSizeItKnowsAndRemembersAcrossARestart() async throws {
        let fx = try await Fixture()
        defer { fx.scenario.removeAll() }
        var server = try await fx.serve()

        let first = try await fx.add(server, Fixture.body(old: 0, note: fx.notes[6]!))
        #expect(first.status == 200, "\(first.text)")
        #expect(first.headers["Content-Type"].first == "text/plain; charset=utf-8")
        #expect(first.text.hasPrefix("— witness.test.example ") && first.text.hasSuffix("\n") && first.text.split(separator: "\n").count == 1)
        #expect(try fx.cosigns(first.text, fx.notes[6]!))

        // A client that thinks the witness knows nothing learns the size it does know.
        let stale = try await fx.add(server, Fixture.body(old: 0, note: fx.notes[10]!))
        #expect(stale.status == 409)
        #expect(stale.headers["Content-Type"].first == "text/x.tlog.size")
        #expect(stale.text == "6\n")

        let second = try await fx.add(server, Fixture.body(old: 6, proof: fx.proofs["6-10"]!, note: fx.notes[10]!))
        #expect(second.status == 200, "\(second.text)")
        #expect(try fx.cosigns(second.text, fx.notes[10]!))
        // The same checkpoint again (a retry whose answer was lost): cosigned as it was.
        let retry = try await fx.add(server, Fixture.body(old: 10, note: fx.notes[10]!))
        #expect(retry.status == 200, "\(retry.text)")
        #expect(retry.text == second.text)

        #expect(server.stop() == 0)
        server = try await fx.serve()
        defer { _ = server.stop() }
        let afterRestart = try await fx.add(server, Fixture.body(old: 6, proof: fx.proofs["6-15"]!, note: fx.notes[15]!))
        #expect(afterRestart.status == 409)
        #expect(afterRestart.text == "10\n")
        let third = try await fx.add(server, Fixture.body(old: 10, proof: fx.proofs["10-15"]!, note: fx.notes[15]!))
        #expect(third.status == 200, "\(third.text)")
        #expect(try fx.cosigns(third.text, fx.notes[15]!))

        // `witness cosign` reads the same state: it knows size 15.
        try write(fx.notes[15]!, to: fx.work + "/15.checkpoint")
        let cli = try flowledger(["witness", "cosign", "--state", fx.state, "--key", fx.key, "--vkey", fx.operatorVkey, "--checkpoint", fx.work + "/15.checkpoint"])
        #expect(cli.status == 0, "\(cli.err)")
        #expect(cli.out.hasPrefix(fx.notes[15]!))
    }

    @Test func everyRefusalHasItsStatusAndLeavesTheStateAlone() async throws {
        let fx = try await Fixture()
        defer { fx.scenario.removeAll() }
        let server = try await fx.serve()
        defer { _ = server.stop() }
        #expect(try await fx.add(server, Fixture.body(old: 0, note: fx.notes[6]!)).status == 200)
        let before = try Data(contentsOf: URL(fileURLWithPath: fx.state))

        func expectRefusal(_ answer: Answer, _ status: Int, _ code: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(answer.status == status, "\(answer.text)", sourceLocation: sourceLocation)
            #expect(answer.wireError.code == code, "\(answer.text)", sourceLocation: sourceLocation)
            #expect(answer.wireError.message.contains(words), "\(answer.wireError.message)", sourceLocation: sourceLocation)
        }

        // 422: a proof that does not lead from the root it cosigned to this one. The request chose
        // the proof, so it proves no fork: no evidence file (anyone could post thousands).
        var wrong = fx.proofs["6-10"]!
        wrong[0] = fx.proofs["10-15"]![0]
        expectRefusal(try await fx.add(server, Fixture.body(old: 6, proof: wrong, note: fx.notes[10]!)), 422, "inconsistent", "the consistency proof does not verify")
        expectRefusal(try await fx.add(server, Fixture.body(old: 6, note: fx.notes[10]!)), 422, "inconsistent", "NOT cosigned")
        let evidence = try FileManager.default.contentsOfDirectory(atPath: fx.work).filter { $0.hasPrefix("split-view-") }
        #expect(evidence.isEmpty, "\(evidence)")

        // 409: the same size with another root, signed by the same operator (a forked ledger).
        let fork = try Ledger.create(at: fx.work + "/fork", origin: fx.scenario.origin, operatorID: "ops.exchange", operatorKey: fx.scenario.operatorKey)
        _ = try await fork.append(try fx.scenario.setUpEvents())
        let forked = try fork.checkpoint(operatorKey: fx.scenario.operatorKey).note
        fork.close()
        let sameSize = try await fx.add(server, Fixture.body(old: 6, note: forked))
        #expect(sameSize.status == 409)
        #expect(sameSize.text == "6\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: fx.work).filter { $0.hasPrefix("split-view-") }.count == 1)
        // The same fork offered again, padded each time with other unknown signatures: kept
        // once (each replay wrote a file of up to a megabyte, so one leaked fork filled a disk).
        for seed in 1...3 {
            #expect(try await fx.add(server, Fixture.body(old: 6, note: Fixture.padded(forked, 20, seed: seed))).status == 409)
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: fx.work).filter { $0.hasPrefix("split-view-") }.count == 1)

        // 403: the log's origin, another operator's key.
        let impostor = try Scenario()
        defer { impostor.removeAll() }
        let impostorLedger = try await impostor.create()
        let impostorNote = try impostorLedger.checkpoint(operatorKey: impostor.operatorKey).note
        impostorLedger.close()
        expectRefusal(try await fx.add(server, Fixture.body(old: 6, note: impostorNote)), 403, "forbidden", "no valid signature by a key this witness trusts")

        // 404: a log this witness does not follow.
        let foreign = "other.example/log\n3\n\(Hash32(storage: (1, 2, 3, 4)).base64)\n\n— other.example/log AAAAAAAAAAAA\n"
        expectRefusal(try await fx.add(server, Fixture.body(old: 0, note: foreign)), 404, "notFound", "follows no log with origin other.example/log")

        // 400: not the protocol's body, or sizes that cannot be.
        expectRefusal(try await fx.add(server, Array("hello\n".utf8)), 400, "malformed", "does not start with \"old \"")
        expectRefusal(try await fx.add(server, Array(("old 06\n\n" + fx.notes[10]!).utf8)), 400, "malformed", "not a decimal without leading zeros")
        expectRefusal(try await fx.add(server, Array(("old 6\n" + fx.notes[10]!).utf8)), 400, "malformed", "proof line 1")
        expectRefusal(try await fx.add(server, Fixture.body(old: 15, note: fx.notes[10]!)), 400, "malformed", "larger than the checkpoint's size 10")
        expectRefusal(try await fx.add(server, Fixture.body(old: 0, proof: fx.proofs["6-10"]!, note: fx.notes[10]!)), 400, "malformed", "is empty")
        expectRefusal(try await fx.add(server, Fixture.body(old: 6, note: "not a note\n")), 400, "malformed", "not a signed checkpoint")
        // 413: a body over the protocol's size (the old size, the proof lines and one note).
        let huge = Fixture.body(old: 6, note: fx.notes[10]!) + Array(repeating: UInt8(ascii: "x"), count: 2 << 20)
        expectRefusal(try await fx.add(server, huge), 413, "bodyTooLarge", "exceeds the limit of")

        #expect(try Data(contentsOf: URL(fileURLWithPath: fx.state)) == before)
        let good = try await fx.add(server, Fixture.body(old: 6, proof: fx.proofs["6-10"]!, note: fx.notes[10]!))
        #expect(good.status == 200, "\(good.text)")
    }

    /// A real checkpoint padded with signature lines of unknown keys up to a note's limit (100
    /// lines) is cosigned, and the witness keeps only the operator's line and its own: it used
    /// to keep them all, could not read its note back once its own line made it 101, answered
    /// 500 to everything after and refused to start again.
    @Test func aCheckpointPaddedWithUnknownSignaturesCannotStopTheWitness() async throws {
        let fx = try await Fixture()
        defer { fx.scenario.removeAll() }
        var server = try await fx.serve()
        let padded = try await fx.add(server, Fixture.body(old: 0, note: Fixture.padded(fx.notes[6]!, 99)))
        #expect(padded.status == 200, "\(padded.text)")
        #expect(try fx.cosigns(padded.text, fx.notes[6]!))
        let state = try WitnessState.load(from: fx.state)
        #expect(try Note(parsing: Array(try #require(state.checkpoints[fx.scenario.origin]).utf8)).signatures.count == 2)
        #expect(server.stop() == 0)
        server = try await fx.serve()
        defer { _ = server.stop() }
        let next = try await fx.add(server, Fixture.body(old: 6, proof: fx.proofs["6-10"]!, note: Fixture.padded(fx.notes[10]!, 99)))
        #expect(next.status == 200, "\(next.text)")
        #expect(try fx.cosigns(next.text, fx.notes[10]!))
    }

    @Test func ofConcurrentRequestsFromTheSameOldSizeExactlyOneWins() async throws {
        let fx = try await Fixture()
        defer { fx.scenario.removeAll() }
        let server = try await fx.serve()
        defer { _ = server.stop() }
        #expect(try await fx.add(server, Fixture.body(old: 0, note: fx.notes[6]!)).status == 200)

        let bodies = (0..<8).map { i in
            i % 2 == 0 ? Fixture.body(old: 6, proof: fx.proofs["6-10"]!, note: fx.notes[10]!)
                       : Fixture.body(old: 6, proof: fx.proofs["6-15"]!, note: fx.notes[15]!)
        }
        let url = server.url
        let answers = try await withThrowingTaskGroup(of: Answer.self) { group in
            for body in bodies { group.addTask { try await Fixture.add(url, body) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        let won = answers.filter { $0.status == 200 }
        #expect(won.count == 1, "\(answers.map { "\($0.status) \($0.text)" })")
        #expect(answers.filter { $0.status == 409 }.count == 7)
        let winner = try #require(won.first)
        let size: Int64 = try fx.cosigns(winner.text, fx.notes[10]!) ? 10 : 15
        #expect(try fx.cosigns(winner.text, fx.notes[size]!))
        #expect(Set(answers.filter { $0.status == 409 }.map(\.text)) == ["\(size)\n"])
    }

    @Test func refusesToStartWithoutAStateOrOnAPublicAddress() throws {
        let work = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let key = work + "/TEST-ONLY-witness.pem"
        _ = FileManager.default.createFile(atPath: key, contents: Data(try PrivateKey.generate(suite: .ed25519SHA256).pemRepresentation().utf8),
                                       attributes: [.posixPermissions: 0o600])
        let vkey = try VerifierKey(name: "log.example", publicKey: try PrivateKey.generate(suite: .ed25519SHA256).publicKey, algorithm: .ed25519).string
        let missing = try flowledger(["witness", "serve", "--state", work + "/none.json", "--key", key, "--listen", "127.0.0.1:0", "--log", vkey])
        #expect(missing.status == 2)
        #expect(missing.err == "flowledger: error: \(work)/none.json: no witness state here; create one with `flowledger witness init --key KEY.pem --name NAME --state \(work)/none.json`\n")
        #expect(try flowledger(["witness", "init", "--key", key, "--name", "w.example", "--state", work + "/w.json"]).status == 0)
        let public_ = try flowledger(["witness", "serve", "--state", work + "/w.json", "--key", key, "--listen", "0.0.0.0:0", "--log", vkey])
        #expect(public_.status == 2)
        #expect(public_.err.contains("plain HTTP is served only on a loopback address"), "\(public_.err)")
        let noLog = try flowledger(["witness", "serve", "--state", work + "/w.json", "--key", key])
        #expect(noLog.status == 2)
        #expect(noLog.err.contains("give at least one --log VKEY"), "\(noLog.err)")
    }
}
