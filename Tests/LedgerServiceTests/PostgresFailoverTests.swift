import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Synchronization
import Testing

/// `flowledger serve --store` over a PostgreSQL primary with a synchronous standby, failed over
/// for real (DESIGN §12): the primary is killed while clients append, the standby promoted, and
/// a new standby made from it. Every receipt any client received must be in the log afterwards,
/// with the leaf hash it was given, and the log must verify with no fork.
@Suite("PostgreSQL failover (PostgresFailover)", .serialized)
struct PostgresFailoverTests {
    /// The receipts clients received, by seq, and the event each was for.
    final class Receipts: Sendable {
        private let byEvent = Mutex<[String: Receipt]>([:])
        private let forks = Mutex<[String]>([])
        /// When each append that got a receipt was sent, and when the receipt came.
        private let times = Mutex<[(sent: ContinuousClock.Instant, received: ContinuousClock.Instant)]>([])

        func record(_ receipt: Receipt, event: String, sent: ContinuousClock.Instant) {
            let now = ContinuousClock.now
            byEvent.withLock { all in
                if let earlier = all[event], earlier != receipt { forks.withLock { $0.append("\(event): \(earlier) then \(receipt)") } }
                all[event] = receipt
            }
            times.withLock { $0.append((sent, now)) }
        }

        var all: [String: Receipt] { byEvent.withLock { $0 } }
        var contradictions: [String] { forks.withLock { $0 } }
        /// The first receipt for an append sent after `instant`.
        func firstAfter(_ instant: ContinuousClock.Instant) -> ContinuousClock.Instant? { times.withLock { $0.filter { $0.sent > instant }.map(\.received).min() } }
        /// Receipts for appends sent after `instant`.
        func count(after instant: ContinuousClock.Instant) -> Int { times.withLock { $0.count { $0.sent > instant } } }
    }

    /// Set once, to stop the clients.
    final class StopFlag: Sendable {
        private let raised = Mutex(false)
        private let failures = Mutex<[String]>([])
        func raise() { raised.withLock { $0 = true } }
        var isRaised: Bool { raised.withLock { $0 } }
        /// A client failed: the others stop too.
        func failed(_ error: any Error) {
            failures.withLock { $0.append("\(error)") }
            raise()
        }
        var failure: String? { failures.withLock { $0.first } }
    }

    /// One client: appends exchanges `first`, `first + 1`, … one at a time until `stop`.
    static func appendUntilStopped(url: String, scenario: Scenario, options: RemoteLedgerOptions, first: Int, receipts: Receipts, stop: StopFlag) async throws {
        let ledger = try await RemoteLedger.connect(to: url, key: scenario.platformKey, options: options)
        var number = first
        do {
            while !stop.isRaised {
                let sent = ContinuousClock.now
                let receipt = try await ledger.append(try scenario.exchange(number))
                receipts.record(receipt, event: "x-\(number)", sent: sent)
                number += 1
            }
        } catch {
            stop.failed(error)
        }
        await ledger.close()
    }

    @Test func everyReceiptSurvivesFiveFailoversWithoutAFork() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        var clusters: [PostgresCluster] = []
        defer { for cluster in clusters { cluster.remove() } }
        var primary = try PostgresCluster.start("primary")
        clusters.append(primary)
        try primary.createDatabase("ledger")
        var standby = try PostgresCluster.standby(of: primary, "standby0")
        clusters.append(standby)
        try primary.set(["synchronous_standby_names": "*"])
        let ports = [primary.port, standby.port]

        let keyPath = try await scenario.initStore(primary.url(database: "ledger"))
        let store = "postgres://\(PostgresCluster.superuser)@127.0.0.1:\(ports[0]),127.0.0.1:\(ports[1])/ledger"
        let served = try await ServedProcess(arguments: ["serve", "--store", store, "--listen", "127.0.0.1:0", "--operator-key", keyPath, "--public-read"],
                                             directory: scenario.workDirectory, scratch: scenario.workDirectory)
        let options = {
            var options = RemoteLedgerOptions()
            options.retries = 60
            options.requestTimeout = 30
            return options
        }()
        let operatorClient = try await RemoteLedger.connect(to: served.url, key: scenario.operatorKey, options: options)
        _ = try await operatorClient.append(scenario.setUpEvents())
        await operatorClient.close()

        let receipts = Receipts()
        let url = served.url
        var failoverSeconds: [Double] = []
        for trial in 1...5 {
            let stop = StopFlag()
            let killedAt = try await withThrowingTaskGroup(of: Void.self) { group -> ContinuousClock.Instant in
                for client in 0..<8 {
                    group.addTask { [scenario] in
                        try await Self.appendUntilStopped(url: url, scenario: scenario, options: options, first: trial * 1_000_000 + client * 10_000,
                                                          receipts: receipts, stop: stop)
                    }
                }
                try await Task.sleep(for: .milliseconds(300))
                let killedAt = ContinuousClock.now
                primary.kill()
                try standby.promote()
                // A new synchronous standby for the new primary, where the old primary was.
                let next = try PostgresCluster.standby(of: standby, "standby\(trial)", port: primary.port)
                clusters.append(next)
                try standby.set(["synchronous_standby_names": "*"])
                (primary, standby) = (standby, next)
                // Appends go on through the new primary before the clients stop.
                let deadline = ContinuousClock.now + .seconds(60)
                while receipts.count(after: killedAt) < 16 && !stop.isRaised && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
                stop.raise()
                try await group.waitForAll()
                return killedAt
            }
            if let failure = stop.failure { Issue.record("trial \(trial): a client failed: \(failure)"); break }
            let first = try #require(receipts.firstAfter(killedAt), "trial \(trial): no append was acknowledged after the primary was killed")
            failoverSeconds.append(Double((first - killedAt).components.attoseconds) / 1e18 + Double((first - killedAt).components.seconds))
        }
        print("failover: first acknowledged append after the kill in \(failoverSeconds.map { String(format: "%.2f s", $0) }.joined(separator: ", "))")

        #expect(receipts.contradictions.isEmpty, "\(receipts.contradictions)")
        // Every receipt is in the new primary's log with the hash it was given; export and verify.
        let exported = scenario.workDirectory + "/exported"
        let export = try await flowledgerAsync(["export", "--store", primary.url(database: "ledger"), exported])
        try #require(export.status == 0, "\(export.err)")
        let reader = try LedgerReader(directory: exported)
        let hash = scenario.suite.hash
        for (event, receipt) in receipts.all {
            let line = try reader.line(at: receipt.seq)
            #expect(Entry.leafHash(line: line, hash: hash) == receipt.leafHash, "\(event): receipt seq \(receipt.seq) is not in the log as acknowledged")
            #expect(try Entry(line: line).event.id == event)
        }
        let verdict = try await flowledgerAsync(["verify", exported])
        #expect(verdict.status == 0, "\(verdict.out)\(verdict.err)")
        let stopped = served.stop()
        #expect(stopped == 0, "\((try? served.process.stderr())?.split(separator: "\n").suffix(5).joined(separator: "\n") ?? "")")
    }

    @Test func aWriterOnTheOldPrimaryCannotAppendAfterAFailover() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let primary = try PostgresCluster.start("old-primary")
        defer { primary.remove() }
        try primary.createDatabase("ledger")
        let standby = try PostgresCluster.standby(of: primary, "new-primary")
        defer { standby.remove() }
        try primary.set(["synchronous_standby_names": "*"])
        let keyPath = try await scenario.initStore(primary.url(database: "ledger"))

        // Failover; then the old primary comes back by itself, still configured as a primary.
        primary.kill()
        try standby.promote()
        try primary.restart()
        let event = scenario.workDirectory + "/event.jsonl"
        try (String(decoding: CanonicalJSON.encode(try scenario.setUpEvents()[0].json), as: UTF8.self) + "\n").write(toFile: event, atomically: true, encoding: .utf8)

        // A writer pointed at the old primary is never acknowledged: its COMMIT waits for a
        // synchronous standby that now follows someone else.
        let stale = try ChildProcess([flowledgerPath, "append", primary.url(database: "ledger"), "--signed", event], directory: scenario.workDirectory)
        try await Task.sleep(for: .seconds(3))
        stale.kill()  // 137 if it still waits; 0 only if it was acknowledged
        let code = await stale.exitCode()
        let staleOutput = String(decoding: (try? stale.stdout()) ?? Data(), as: UTF8.self)
        #expect(code != 0, "an append to the old primary was acknowledged: \(staleOutput)")
        #expect(try standby.psql("SELECT count(*) FROM entries", database: "ledger") == "1")

        // The new primary takes the append, under a new epoch that fences out every writer before.
        let appended = try await flowledgerAsync(["append", standby.url(database: "ledger"), "--signed", event])
        #expect(appended.status == 0, "\(appended.err)")
        #expect(try standby.psql("SELECT next_seq, epoch > 1 FROM log_head", database: "ledger") == "2|t")
    }
}
