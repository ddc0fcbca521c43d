import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import LedgerWire
import Testing

/// Several `flowledger serve --store` processes over one PostgreSQL store (DESIGN §12): one is
/// the writer, the others are front ends that serve reads themselves and hand their appends to
/// the writer; when the writer's process dies, a front end takes its place.
@Suite("PostgreSQL front ends (PostgresFrontEnd)", .serialized)
struct PostgresFrontEndTests {
    @Test func aFrontEndHandsItsAppendsToTheWriterAndTakesOverWhenItDies() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let cluster = try PostgresCluster.shared()
        let store = cluster.url(database: try cluster.freshDatabase())
        let keyPath = try await scenario.initStore(store)
        let serve = ["serve", "--store", store, "--listen", "127.0.0.1:0", "--operator-key", keyPath, "--checkpoint-interval", "200ms"]
        let writer = try await ServedProcess(arguments: serve, directory: scenario.workDirectory, scratch: scenario.workDirectory)
        let frontEnd = try await ServedProcess(arguments: serve, directory: scenario.workDirectory, scratch: scenario.workDirectory)
        defer { _ = frontEnd.stop() }

        let health = try await TestClient(base: frontEnd.url, key: nil).send(.GET, "healthz", sign: false)
        #expect(health.status == 200 && health.text.contains("role: front end") && health.text.contains("writer: \(writer.url)"), "\(health.text)")

        // Appends through the front end are the writer's: one sequence, receipts the writer gave.
        var options = RemoteLedgerOptions()
        options.retries = 40
        let operatorClient = try await RemoteLedger.connect(to: frontEnd.url, key: scenario.operatorKey, options: options)
        let setUp = try await operatorClient.append(scenario.setUpEvents())
        await operatorClient.close()
        #expect(setUp.map(\.seq) == Array(1...Int64(setUp.count)))
        // The platform was registered a moment ago: the front end knows its key for the reads.
        let platform = try await RemoteLedger.connect(to: frontEnd.url, key: scenario.platformKey, options: options)
        let first = try await platform.append(try scenario.exchange(1), wait: .checkpoint)
        #expect(first.seq == Int64(setUp.count) + 1)
        let read = try await TestClient(base: frontEnd.url, key: scenario.platformKey).send(.GET, "v1/entries?from=\(first.seq)&limit=1")
        #expect(read.status == 200 && (try? Entry(line: Array(read.body.dropLast())).event.id) == "x-1", "\(read.text)")

        // A live follower of the front end sees what the writer commits, whoever sent it.
        let followed = Task { [platform] () -> String? in
            for try await entry in platform.follow(from: first.seq + 1) { return entry.event.id }
            return nil
        }

        // The writer judges what the front end hands it, exactly as its own: a replayed request
        // signature, a rule broken, a malformed line; and nothing is written.
        let client = TestClient(base: frontEnd.url, key: scenario.platformKey)
        let line = CanonicalJSON.encode(try scenario.exchange(2).json) + [0x0a]
        let now = UnixTime.now()
        let signed = try RequestSigner(key: scenario.platformKey).headers(method: "POST", targetURI: frontEnd.url + "v1/entries", body: line, now: now)
        let once = try await TestClient(base: frontEnd.url, key: nil).send(.POST, "v1/entries", body: line, headers: signed, sign: false)
        #expect(once.status == 200, "\(once.text)")
        let again = try await TestClient(base: frontEnd.url, key: nil).send(.POST, "v1/entries", body: line, headers: signed, sign: false)
        #expect(again.status == 401 && again.wireError.message.contains("replayed"), "\(again.text)")
        let timer = Task {
            try await Task.sleep(for: .seconds(30))
            followed.cancel()
        }
        #expect(try await followed.value == "x-2")
        timer.cancel()
        var forgedEvent = try scenario.exchange(3)
        forgedEvent = SignedEvent(event: forgedEvent.event, signature: try scenario.transportKey.sign(Array("not this event".utf8)))
        let forged = try await client.send(.POST, "v1/entries", body: ServiceFixture.body([try scenario.exchange(5), forgedEvent]))
        #expect(forged.status == 422 && forged.wireError.code == "badSignature" && forged.wireError.line == 2, "\(forged.text)")
        let malformed = try await client.send(.POST, "v1/entries", body: Array("{not json\n".utf8))
        #expect(malformed.status == 400 && malformed.wireError.line == 1, "\(malformed.text)")
        let wrongType = try await client.send(.POST, "v1/entries", body: line, contentType: "application/json")
        #expect(wrongType.status == 415, "\(wrongType.text)")
        #expect(try cluster.psql("SELECT count(*) FROM entries", database: String(store.split(separator: "/").last!)) == "\(first.seq + 2)")

        // The report of the store, from the front end: built from a private export of the store,
        // the same page `flowledger report` writes; rebuilt from what it remembers after the log grows.
        let report = try await client.send(.GET, "v1/report")
        #expect(report.status == 200 && report.text.hasPrefix("<!DOCTYPE html>") && report.text.contains(scenario.origin), "\(report.text.prefix(400))")
        _ = try await platform.append(try scenario.exchange(6), wait: .durable)
        let rebuilt = try await client.send(.GET, "v1/report")
        #expect(rebuilt.status == 200 && rebuilt.text.contains("remembered from earlier verifications by this tool"), "\(rebuilt.text.prefix(400))")

        // The writer dies; the front end takes its lock and appends itself.
        let killedAt = ContinuousClock.now
        writer.process.kill()
        var role = ""
        while ContinuousClock.now - killedAt < .seconds(20) {
            role = (try? await TestClient(base: frontEnd.url, key: nil).send(.GET, "healthz", sign: false).text) ?? ""
            if role.contains("role: writer") { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(role.contains("role: writer"), "the front end did not take over: \(role)")
        let after = try await platform.append(try scenario.exchange(4))
        #expect(after.seq == first.seq + 3)
        await platform.close()

        let exported = scenario.workDirectory + "/exported"
        let export = try await flowledgerAsync(["export", "--store", store, exported])
        try #require(export.status == 0, "\(export.err)")
        let verdict = try await flowledgerAsync(["verify", exported])
        #expect(verdict.status == 0, "\(verdict.out)\(verdict.err)")
    }
}
