import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The participants' client (`RemoteLedger`) against a real `flowledger serve` process: the
/// shape of the local `Ledger`, and nothing taken on trust.
@Suite(.serialized) struct RemoteLedgerTests {
    @Test func appendsReadsAndProvesLikeTheLocalLedger() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let operatorKeyPath = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let server = try await fixture.serve(["--operator-key", operatorKeyPath, "--checkpoint-interval", "100ms"])
        defer { _ = server.stop() }
        var options = RemoteLedgerOptions()
        options.checkpointFile = fixture.work + "/remembered.checkpoint"
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey, options: options)
        #expect(ledger.origin == fixture.scenario.origin)
        #expect(ledger.suite == .ed25519SHA256)
        #expect(try await ledger.size() == 8)

        let one = try await ledger.append(fixture.scenario.exchange(1))
        #expect(one.seq == 8)
        #expect(one.proof == nil)
        let batch = try await ledger.append([fixture.scenario.exchange(2), fixture.scenario.exchange(3)])
        #expect(batch.map(\.seq) == [9, 10])
        // A retry after a lost answer gets the original receipts.
        #expect(try await ledger.append([fixture.scenario.exchange(2), fixture.scenario.exchange(3)]) == batch)

        // Waiting for a checkpoint: each receipt carries a proof the client checked.
        let proven = try await ledger.append([fixture.scenario.exchange(4), fixture.scenario.exchange(5)], wait: .checkpoint)
        #expect(proven.map(\.seq) == [11, 12])
        for receipt in proven {
            let proof = try #require(receipt.proof)
            #expect(proof.index == receipt.seq)
            #expect(Entry.leafHash(line: try #require(proof.extra), hash: .sha256) == receipt.leafHash)
        }
        // The client remembers the latest checkpoint it verified, in the file it was given.
        let remembered = try contents(fixture.work + "/remembered.checkpoint")
        let (checkpoint, note) = try await ledger.latestCheckpoint()
        #expect(checkpoint.size >= 13)
        #expect(try contents(fixture.work + "/remembered.checkpoint") == note)
        #expect(remembered.hasPrefix(fixture.scenario.origin + "\n"))

        let entries = try await ledger.entries(8..<13)
        #expect(entries.map(\.event.id) == ["x-1", "x-2", "x-3", "x-4", "x-5"])
        let proof = try await ledger.inclusionProof(seq: 9)
        #expect(proof.index == 9)
        let oldSize = try Checkpoint(text: Note(parsing: Array(remembered.utf8)).text).size
        let (consistency, _, _) = try await ledger.consistencyProof(old: oldSize)
        #expect(consistency.old == oldSize)
        #expect(ledger.verifierKey().string == (try flowledger(["vkey", fixture.directory]).out.trimmingCharacters(in: .newlines)))
        await ledger.close()
    }

    @Test func aRefusedEventSaysWhichRuleAndWhichEventAndNothingIsWritten() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        let before = try fixture.logBytes()
        // The second event names a grant that does not exist (rule 5).
        var body = try #require({ () -> ExchangeSentBody? in
            if case .exchangeSent(let body) = try fixture.scenario.exchange(7).event.body { return body }
            return nil
        }())
        body = ExchangeSentBody(exchange: "x-bad", dataset: body.dataset, recipient: body.recipient, grant: "g-missing", purpose: body.purpose,
                                fields: body.fields, records: 1, bytes: 1, digest: body.digest)
        let bad = try fixture.scenario.platform.sign(.exchangeSent(body), id: "x-bad", at: Scenario.at)
        do {
            _ = try await ledger.append([fixture.scenario.exchange(6), bad])
            Issue.record("the server appended an event naming a grant that does not exist")
        } catch let error as LedgerClientError {
            #expect(error.code == .rejected)
            #expect(error.batchIndex == 1)
            #expect(error.violation?.code == .unknownReference)
            #expect(error.wire?.status == 422)
            #expect(error.message.contains("g-missing"))
        }
        #expect(try fixture.logBytes() == before)
        await ledger.close()
    }

    @Test func aFollowerChecksEveryEntryAndResumesAcrossARestart() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let operatorKeyPath = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        var server = try await fixture.serve(["--operator-key", operatorKeyPath, "--checkpoint-interval", "100ms"])
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.auditorKey)
        let submitter = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        let collected = Task {
            var seen: [Int64] = []
            for try await entry in ledger.follow(from: 5) {
                seen.append(entry.seq)
                if seen.count == 6 { break }
            }
            return seen
        }
        _ = try await submitter.append([fixture.scenario.exchange(1), fixture.scenario.exchange(2)])
        try await Task.sleep(for: .milliseconds(500))
        // The server restarts on another port: the follower reconnects by itself only to the
        // same URL, so restart on the same one.
        let port = URLComponents(string: server.url)!.port!
        #expect(server.stop() == 0)
        server = try await fixture.serve(["--operator-key", operatorKeyPath, "--checkpoint-interval", "100ms", "--listen", "127.0.0.1:\(port)"])
        defer { _ = server.stop() }
        let again = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        _ = try await again.append(fixture.scenario.exchange(3))
        // Never hang the suite: a follower that missed an entry fails the test after 60 s.
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            collected.cancel()
        }
        defer { watchdog.cancel() }
        let seen = try await collected.value
        #expect(seen == Array(5...10))
        await ledger.close()
        await submitter.close()
        await again.close()
    }

    @Test func aServerThatRewritesHistoryIsCaughtWithBothCheckpointsAsEvidence() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        // Two histories from one operator key: the original, and a fork that goes another way.
        let fork = try await fixture.fork()

        let evidence = fixture.work + "/client"
        try FileManager.default.createDirectory(atPath: evidence, withIntermediateDirectories: true)
        var options = RemoteLedgerOptions()
        options.checkpointFile = evidence + "/exchange.checkpoint"
        options.operatorKey = try VerifierKey(string: try flowledger(["vkey", fixture.directory]).out.trimmingCharacters(in: .newlines))
        do {
            let server = try await fixture.serve()
            defer { _ = server.stop() }
            let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.auditorKey, options: options)
            #expect(try await ledger.latestCheckpoint().checkpoint.size == 10)
            await ledger.close()
        }
        let server = try await ServedProcess(ledger: fork, scratch: fixture.work)
        defer { _ = server.stop() }
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.auditorKey, options: options)
        do {
            _ = try await ledger.latestCheckpoint()
            Issue.record("the client took a checkpoint of another history")
        } catch {
            #expect(error.code == .splitView)
            #expect(error.message.contains("SPLIT VIEW"))
            let path = try #require(error.evidencePath)
            let saved = try contents(path)
            #expect(saved.contains("\"reason\":\"inconsistent\""))
            #expect(path.hasPrefix(evidence + "/split-view-"))
        }
        // The remembered checkpoint is still the original's.
        #expect(try contents(evidence + "/exchange.checkpoint").contains("\n10\n"))
        await ledger.close()
    }

    @Test func aServerForAnotherOperatorKeyIsRefusedAtConnect() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let other = try PrivateKey.generate(suite: .ed25519SHA256)
        var options = RemoteLedgerOptions()
        options.operatorKey = try VerifierKey(name: fixture.scenario.origin, publicKey: other.publicKey, algorithm: .ed25519)
        do {
            _ = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.auditorKey, options: options)
            Issue.record("connected to a ledger with another operator key")
        } catch {
            #expect(error.code == .untrustworthy)
            #expect(error.message.contains("not the key you gave"))
        }
    }

    @Test func aFollowerStopsAtAForgedEntryAfterHandingOutTheOnesBeforeIt() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        // Someone with access to the operator's disk changes entry 3's signature.
        let segment = fixture.directory + "/log/00000000000000000000.jsonl"
        var lines = try contents(segment).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let signature = try #require(lines[3].range(of: "\"sig\":\""))
        let first = lines[3][signature.upperBound]
        lines[3].replaceSubrange(signature.upperBound...signature.upperBound, with: first == "A" ? "B" : "A")
        try write(lines.joined(separator: "\n"), to: segment)
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.auditorKey)
        var seen: [Int64] = []
        do {
            for try await entry in ledger.follow(from: 0) { seen.append(entry.seq) }
            Issue.record("the follower ended without finding the forged entry")
        } catch let error as LedgerClientError {
            #expect(error.code == .untrustworthy)
            #expect(error.violation?.seq == 3)
            #expect(error.message.contains("seq 3"))
        }
        #expect(seen == [0, 1, 2])
        // Without replaying from genesis, the broken chain at entry 4 still stops it.
        seen = []
        do {
            for try await entry in ledger.follow(from: 2).verifying(false) { seen.append(entry.seq) }
        } catch let error as LedgerClientError {
            #expect(error.code == .untrustworthy)
            #expect(error.message.contains("entry 4's prev"))
        }
        #expect(seen == [2, 3])
        await ledger.close()
    }
}
