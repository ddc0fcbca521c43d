import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerPostgres
@testable import LedgerStore
import LedgerTestSupport
import Testing

/// What the PostgreSQL store promises beyond the conformance suite (DESIGN §12): export byte for
/// byte, least privilege, one fenced writer, and damage found rather than trusted. Each test has
/// a database of its own in a real cluster.
@Suite("PostgreSQL store (PostgresStore)")
struct PostgresStoreTests {
    /// A database in the shared cluster, and its address as the superuser.
    struct Database {
        let cluster: PostgresCluster
        let name: String
        init() throws {
            cluster = try PostgresCluster.shared()
            name = try cluster.freshDatabase("store")
        }
        var url: String { cluster.url(database: name) }
        var address: PostgresAddress { get throws { try PostgresAddress(url) } }
        @discardableResult
        func psql(_ sql: String, user: String = PostgresCluster.superuser) throws -> String { try cluster.psql(sql, database: name, user: user) }
    }

    /// The scenario's genesis, signed once so both stores start from the same bytes.
    private func genesis(_ scenario: Scenario) throws -> SignedEvent {
        try SignedEvent(event: Event(id: "genesis", author: "ops.exchange", keyID: scenario.operatorKey.publicKey.keyID, at: Scenario.at,
                                     body: .genesis(GenesisBody(origin: scenario.origin, suite: scenario.suite,
                                                                operator: .init(party: "ops.exchange", name: "Exchange operator", key: scenario.operatorKey.publicKey)))),
                        origin: scenario.origin, signer: scenario.operatorKey)
    }

    /// The scenario's genesis and set-up events (entries 0…5) in `database`, its writer closed.
    private func setUp(_ scenario: Scenario, in database: Database) throws {
        let store = try PostgresStore.create(address: try database.address, manifest: manifest(scenario), writerName: "test")
        let writer = try LedgerWriter.create(store: store, name: "test", genesis: try genesis(scenario))
        defer { writer.close() }
        _ = try writer.appendBlocking(try scenario.setUpEvents())
    }

    private func manifest(_ scenario: Scenario) -> LedgerManifest {
        LedgerManifest(origin: scenario.origin, suite: scenario.suite, operatorKey: scenario.operatorKey.publicKey)
    }

    /// Every file under `directory/sub` with its bytes, by path relative to `directory`.
    private func files(_ directory: String, _ subs: [String]) throws -> [String: Data] {
        var out: [String: Data] = [:]
        for sub in subs {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory + "/" + sub) {
                out[sub + "/" + name] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + sub + "/" + name))
            }
        }
        return out
    }

    @Test func theSameEventsWithTheSameClockExportToTheEmbeddedStoresFilesByteForByte() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        var options = WriterOptions()
        options.clock = { 1_795_420_800_123_456 }
        let batches = [try scenario.setUpEvents()] + (try (0..<4).map { batch in try (0..<5).map { try scenario.exchange(batch * 5 + $0) } })

        let embedded = try LedgerWriter.create(directory: scenario.directory, genesis: try genesis(scenario), options: options)
        for batch in batches { _ = try embedded.appendBlocking(batch) }
        _ = try embedded.checkpoint(operatorKey: scenario.operatorKey)
        embedded.close()

        let store = try PostgresStore.create(address: try database.address, manifest: manifest(scenario), writerName: "test")
        let inPostgres = try LedgerWriter.create(store: store, name: "postgres", genesis: try genesis(scenario), options: options)
        for batch in batches { _ = try inPostgres.appendBlocking(batch) }
        _ = try inPostgres.checkpoint(operatorKey: scenario.operatorKey)
        inPostgres.close()

        let exported = scenario.workDirectory + "/exported"
        let export = try flowledger(["export", "--store", database.url, exported])
        #expect(export.status == 0, "\(export.err)")
        #expect(export.out.contains("exported 26 entries (26 in all) and 1 checkpoints"), "\(export.out)")
        let expected = try files(scenario.directory, ["log", "checkpoints"])
        let got = try files(exported, ["log", "checkpoints"])
        #expect(expected.keys.sorted() == got.keys.sorted())
        for (path, bytes) in expected { #expect(got[path] == bytes, "\(path) differs") }
        #expect(try Data(contentsOf: URL(fileURLWithPath: exported + "/ledger.json")) == Data(contentsOf: URL(fileURLWithPath: scenario.directory + "/ledger.json")))
        let verdict = try flowledger(["verify", exported])
        #expect(verdict.status == 0, "\(verdict.out)\(verdict.err)")

        // Exporting again extends nothing and changes nothing.
        let again = try flowledger(["export", "--store", database.url, exported])
        #expect(again.status == 0 && again.out.contains("exported 0 entries (26 in all)"), "\(again.out)\(again.err)")
        #expect(try files(exported, ["log"]) == got.filter { $0.key.hasPrefix("log/") })
    }

    @Test func theApplicationRoleMayInsertEntriesButNeverUpdateDeleteOrTruncateThem() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        let role = "app_\(database.name)"
        try database.psql("CREATE ROLE \(role) LOGIN")
        let keyPath = scenario.workDirectory + "/operator.pem"
        try scenario.operatorKey.pemRepresentation().write(toFile: keyPath, atomically: true, encoding: .utf8)
        chmod(keyPath, 0o600)
        let created = try flowledger(["init", "--store", database.url, "--grant-to", role, "--origin", scenario.origin,
                                      "--operator-key", keyPath, "--operator-id", "ops.exchange"])
        #expect(created.status == 0, "\(created.err)")
        #expect(created.out.contains("granted \(role)"))

        // The application appends as its own role, through the library and the CLI.
        let appURL = database.cluster.url(database: database.name, user: role)
        let writer = try LedgerWriter.open(store: try PostgresStore.open(address: try PostgresAddress(appURL), writerName: "app"), name: "app")
        _ = try writer.appendBlocking(try scenario.setUpEvents())
        writer.close()
        let appended = try flowledger(["append", appURL, "--signed", try scenario.writeSignedExchanges(count: 3)])
        #expect(appended.status == 0, "\(appended.err)")
        let before = try database.psql("SELECT count(*), md5(string_agg(line, '\\x0a'::bytea ORDER BY seq)) FROM entries")
        #expect(before.hasPrefix("9|"), "\(before)")

        for statement in ["UPDATE entries SET line = line WHERE seq = 1", "DELETE FROM entries WHERE seq = 8", "TRUNCATE entries"] {
            let refusal = #expect(throws: PostgresClusterError.self) { try database.psql(statement, user: role) }
            #expect(refusal?.description.contains("permission denied for table entries") == true, "\(statement): \(String(describing: refusal))")
        }
        #expect(try database.psql("SELECT count(*), md5(string_agg(line, '\\x0a'::bytea ORDER BY seq)) FROM entries") == before)
    }

    @Test func aDeposedWriterWritesNothingAndStepsDown() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        let store = try PostgresStore.create(address: try database.address, manifest: manifest(scenario), writerName: "first")
        let first = try LedgerWriter.create(store: store, name: "first", genesis: try genesis(scenario))
        _ = try first.appendBlocking(try scenario.setUpEvents())
        #expect(store.writerEpoch == 1)

        // A writer elected elsewhere (as on a promoted standby, where this writer's advisory lock
        // does not exist) moves the epoch on.
        try database.psql("UPDATE log_head SET epoch = epoch + 1, writer = 'writer on the promoted standby'")
        let refusal = #expect(throws: StoreError.self) { try first.appendBlocking([try scenario.exchange(0)]) }
        #expect(refusal?.code == .locked, "\(String(describing: refusal))")
        #expect(refusal?.message.contains("deposed") == true && refusal?.message.contains("writer on the promoted standby") == true, "\(String(describing: refusal))")
        #expect(try database.psql("SELECT count(*) FROM entries") == "6")
        // It stays down: a later append is refused without reaching the database.
        #expect(throws: StoreError.self) { try first.appendBlocking([try scenario.exchange(1)]) }
        first.close()

        let next = try LedgerWriter.open(store: try PostgresStore.open(address: try database.address, writerName: "next"), name: "next")
        defer { next.close() }
        #expect(try next.appendBlocking([try scenario.exchange(0)])[0].seq == 6)
        #expect(try database.psql("SELECT epoch, writer FROM log_head") == "3|next")
    }

    @Test func aHeadThatDisagreesWithTheEntriesIsReportedNotTrusted() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        try setUp(scenario, in: database)
        try database.psql("UPDATE log_head SET next_seq = 7")
        let error = #expect(throws: StoreError.self) { try LedgerWriter.open(store: try PostgresStore.open(address: try database.address, writerName: "t"), name: "t") }
        #expect(error?.code == .damaged && error?.message.contains("log_head says the log has 7 entries, but table entries ends at seq 5") == true, "\(String(describing: error))")

        try database.psql("UPDATE log_head SET next_seq = 6, last_leaf = decode(repeat('00', 32), 'hex')")
        let leaf = #expect(throws: StoreError.self) { try LedgerWriter.open(store: try PostgresStore.open(address: try database.address, writerName: "t"), name: "t") }
        #expect(leaf?.code == .damaged && leaf?.message.contains("last leaf hash is not that of entry 5") == true, "\(String(describing: leaf))")
    }

    @Test func aRefusedLineThroughTheCommandLineNamesItAndKeepsTheLinesBefore() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        try setUp(scenario, in: database)
        let path = try scenario.writeSignedExchanges(count: 2)
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text += "{\"event\": not json}\n"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let result = try flowledger(["append", database.url, "--signed", path])
        #expect(result.status != 0)
        #expect(result.err.contains("line 3"), "\(result.err)")
        #expect(try database.psql("SELECT count(*) FROM entries") == "8")
    }

    @Test func tailReadsTheStoreFollowsItAndStopsAtABrokenChain() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        try setUp(scenario, in: database)
        let lines = try PostgresStore.openReader(address: try database.address).lines(in: 0..<6)
        let raw = { (range: Range<Int>) in lines[range].map { String(decoding: $0, as: UTF8.self) + "\n" }.joined() }

        let last = try flowledger(["tail", database.url, "-n", "2", "-o", "raw"])
        #expect(last.status == 0 && last.out == raw(4..<6), "\(last.err)")
        let verified = try flowledger(["tail", database.url, "--from", "0", "--verify", "-o", "raw"])
        #expect(verified.status == 0 && verified.out == raw(0..<6), "\(verified.err)")

        // -f wakes on the store's notifications and prints each committed entry once.
        let follower = try ChildProcess([flowledgerPath, "tail", database.url, "-f", "--from", "6", "-o", "raw"], directory: scenario.workDirectory)
        let writer = try LedgerWriter.open(store: try PostgresStore.open(address: try database.address, writerName: "test"), name: "test")
        let appended = try writer.appendBlocking([try scenario.exchange(1), try scenario.exchange(2)])
        writer.close()
        var followed = ""
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            followed = String(decoding: try follower.stdout(), as: UTF8.self)
            if followed.split(separator: "\n").count >= 2 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        follower.kill(SIGTERM)
        _ = await follower.exitCode()
        let expected = try PostgresStore.openReader(address: try database.address).lines(in: 6..<8).map { String(decoding: $0, as: UTF8.self) + "\n" }.joined()
        #expect(appended.map(\.seq) == [6, 7] && followed == expected, "printed: \(followed); stderr: \((try? follower.stderr()) ?? "")")

        // An entry whose prev is not its predecessor's leaf hash: tail shows what comes before and stops there.
        try database.psql("""
            UPDATE entries SET line = convert_to(regexp_replace(convert_from(line, 'UTF8'), '"prev":"[0-9a-f]+"', '"prev":"' || repeat('0', 64) || '"'), 'UTF8') WHERE seq = 4
            """)
        let broken = try flowledger(["tail", database.url, "--from", "0", "-o", "raw"])
        #expect(broken.status != 0 && broken.out == raw(0..<4), "\(broken.out)")
        #expect(broken.err.contains("seq 4") && broken.err.contains("prev"), "\(broken.err)")
    }


    @Test func viewsOfTheStoreAreTheViewsOfItsExportAndStopAtABrokenChain() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        try setUp(scenario, in: database)
        func append(_ numbers: ClosedRange<Int>) throws {
            let writer = try LedgerWriter.open(store: try PostgresStore.open(address: try database.address, writerName: "test"), name: "test")
            defer { writer.close() }
            _ = try writer.appendBlocking(numbers.map { try scenario.exchange($0) })
        }
        try append(1...3)
        let viewsFile = scenario.workDirectory + "/store-views.sqlite"
        let first = try flowledger(["views", database.url, "exchanges", "--json", "--views-file", viewsFile])
        #expect(first.status == 0 && first.out.contains("\"x-3\""), "\(first.err)")

        // Kept and brought up to date: a later run projects only what is new, and says nothing.
        try append(4...5)
        let later = try flowledger(["views", database.url, "flows", "--json", "--views-file", viewsFile])
        #expect(later.status == 0 && later.err.isEmpty, "\(later.err)")
        let exported = scenario.workDirectory + "/exported"
        #expect(try flowledger(["export", "--store", database.url, exported]).status == 0)
        for view in ["flows", "exchanges", "grants", "violations"] {
            let fromStore = try flowledger(["views", database.url, view, "--json", "--views-file", viewsFile])
            let fromExport = try flowledger(["views", exported, view, "--json"])
            #expect(fromStore.status == 0 && fromStore.out == fromExport.out, "\(view): \(fromStore.out) vs \(fromExport.out)")
        }
        let sql = try flowledger(["query", database.url, "SELECT count(*) AS n FROM exchanges", "--json"])
        #expect(sql.status == 0 && sql.out.contains("5") && sql.err.contains("temporary file"), "\(sql.out)\(sql.err)")

        // An entry changed after it was committed: the views stop before it and say where, exit 1.
        try append(6...7)
        try database.psql("""
            UPDATE entries SET line = convert_to(regexp_replace(convert_from(line, 'UTF8'), '"prev":"[0-9a-f]+"', '"prev":"' || repeat('0', 64) || '"'), 'UTF8') WHERE seq = 12
            """)
        let damaged = try flowledger(["views", database.url, "exchanges", "--views-file", viewsFile])
        #expect(damaged.status == 1 && damaged.err.contains("entry 12 does not follow the entry before it") && damaged.err.contains("flowledger export --store"), "\(damaged.err)")
    }


    @Test func anErrorThatEndsTheSessionLeavesTheCommitUnknownNotRolledBack() {
        // 57P01 came back from a COMMIT when the primary was killed in the failover test: the
        // writer must step down and re-read the head, not report the group as not written.
        for state in ["57P01", "57P02", "08006", "40003", "XX000", "58030"] {
            #expect(PostgresFailure.leavesOutcomeUnknown(state), "\(state)")
        }
        for state in [PostgresFailure.deposedState, PostgresFailure.privilegeState, "23505", "40001", "22P02", "53100"] {
            #expect(!PostgresFailure.leavesOutcomeUnknown(state), "\(state)")
        }
    }


    @Test func aReaderOnThePrimarySeesWhetherTheWritersLockIsHeld() throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let database = try Database()
        try setUp(scenario, in: database)
        let reader = try PostgresStore.openReader(address: try database.address)
        defer { reader.close() }
        #expect(reader.writerLockHeld() == false)
        let writer = try LedgerWriter.open(store: try PostgresStore.open(address: try database.address, writerName: "test"), name: "test")
        #expect(reader.writerLockHeld() == true)
        writer.close()
        #expect(reader.writerLockHeld() == false)
    }

}
