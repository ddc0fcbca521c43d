import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// A witness killed at any moment (SIGKILL, between deciding and persisting or anywhere else)
/// never hands out cosignatures of two roots for one size: it answers only after its state is
/// durable, so a decision lost with the process was never seen by anyone.
@Suite(.serialized) struct WitnessKillTests {
    @Test func aWitnessKilledMidRequestNeverCosignsTwoRootsForOneSize() async throws {
        let fx = try await WitnessServeTests.Fixture()
        defer { fx.scenario.removeAll() }
        // Two histories under the fixture's operator key that share their first 6 entries (one
        // directory copied at size 6) and part after it.
        let original = fx.work + "/original", fork = fx.work + "/fork"
        let first = try Ledger.create(at: original, origin: fx.scenario.origin, operatorID: "ops.exchange",
                                      operatorName: "Exchange operator", operatorKey: fx.scenario.operatorKey)
        _ = try await first.append(try fx.scenario.setUpEvents())
        let six = try first.checkpoint(operatorKey: fx.scenario.operatorKey).note
        first.close()
        try FileManager.default.copyItem(atPath: original, toPath: fork)
        var notes: [String: String] = [:], proofs: [String: [Hash32]] = [:]
        for (name, path, exchanges) in [("original", original, 0..<4), ("fork", fork, 20..<24)] {
            let ledger = try Ledger.open(at: path)
            _ = try await ledger.append(try exchanges.map { try fx.scenario.exchange($0) })
            notes[name] = try ledger.checkpoint(operatorKey: fx.scenario.operatorKey).note
            proofs[name] = try ledger.consistencyProof(old: 6, new: 10).proof.path
            ledger.close()
        }
        #expect(notes["original"] != notes["fork"])

        // The witness has cosigned size 6; every round starts from that state.
        var server = try await fx.serve()
        let cosignedSix = try await fx.add(server, WitnessServeTests.Fixture.body(old: 0, note: six))
        #expect(cosignedSix.status == 200, "\(cosignedSix.text)")
        #expect(server.stop() == 0)
        let template = try Data(contentsOf: URL(fileURLWithPath: fx.state))

        let offers: [(name: String, body: [UInt8])] = ["original", "fork"].map { name in
            (name, WitnessServeTests.Fixture.body(old: 6, proof: proofs[name]!, note: notes[name]!))
        }
        var roundsWithACosignature = 0
        for round in 0..<6 {
            try template.write(to: URL(fileURLWithPath: fx.state))
            var cosigned: Set<String> = []
            server = try await fx.serve()
            // Both histories at once, and a SIGKILL somewhere in their handling.
            let url = server.url
            let answers = Task {
                try await withThrowingTaskGroup(of: (String, Int)?.self) { group in
                    for offer in offers {
                        group.addTask {
                            // Short: a request racing the kill must not wait for the HTTP client's
                            // connect retries to a dead port.
                            let answer = try? await TestClient(base: url, key: nil).send(.POST, "add-checkpoint", body: offer.body, contentType: "text/plain",
                                                                                       timeout: .seconds(2))
                            return answer.map { (offer.name, $0.status) }
                        }
                    }
                    var got: [(String, Int)] = []
                    for try await answer in group { if let answer { got.append(answer) } }
                    return got
                }
            }
            try await Task.sleep(for: .milliseconds(round * 3))
            server.process.kill(SIGKILL)
            _ = await server.process.exitCode()
            for (name, status) in try await answers.value where status == 200 { cosigned.insert(name) }
            // Restarted on the same state, it is offered both again.
            server = try await fx.serve()
            for offer in offers {
                if let answer = try? await fx.add(server, offer.body), answer.status == 200 { cosigned.insert(offer.name) }
            }
            if cosigned.isEmpty {
                // Killed after its decision was durable but before it answered: it is at size 10
                // now, and cosigns again only the root it decided on.
                for name in ["original", "fork"] {
                    let again = try? await fx.add(server, WitnessServeTests.Fixture.body(old: 10, note: notes[name]!))
                    if again?.status == 200 { cosigned.insert(name) }
                }
            }
            #expect(server.stop() == 0)
            #expect(cosigned.count <= 1, "round \(round): the witness cosigned both roots of size 10: \(cosigned)")
            if !cosigned.isEmpty { roundsWithACosignature += 1 }
        }
        // Every round ends with one history cosigned: the restarted witness takes the first offer,
        // or holds the one it decided on before the kill.
        #expect(roundsWithACosignature == 6)
    }
}
