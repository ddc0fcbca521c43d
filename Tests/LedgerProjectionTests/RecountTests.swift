import FlowLedger
import GRDB
import Foundation
import LedgerProjection
import LedgerTestSupport
import Testing

/// The views agree with an independent recount from the log (``Recount``): for a ledger built
/// through the library, after incremental catch-ups and after a rebuild.
@Suite struct RecountTests {
    static func expectAgreement(_ views: ViewReader, _ recount: Recount) throws {
        let parties = try views.parties()
        #expect(parties.count == recount.parties.count)
        for party in parties {
            let counted = try #require(recount.parties[party.party])
            #expect(party.kind == counted.kind && party.keyID == counted.keyID && party.status == counted.status, "party \(party.party)")
        }
        let datasets = try views.datasets()
        #expect(datasets.count == recount.datasets.count)
        for dataset in datasets {
            let counted = try #require(recount.datasets[dataset.dataset])
            #expect(dataset.owner == counted.owner && dataset.sharing == counted.sharing && dataset.level == counted.level && dataset.fields == counted.fields)
        }
        let grants = try views.grants()
        #expect(grants.count == recount.grants.count)
        for grant in grants { #expect(grant.status == recount.grantStatus(grant.grant), "grant \(grant.grant)") }
        let exchanges = try views.exchanges()
        #expect(exchanges.count == recount.exchanges.count)
        for exchange in exchanges {
            let sent = try #require(recount.exchanges[exchange.exchange])
            #expect(exchange.records == sent.records && exchange.provider == sent.provider && exchange.recipient == sent.recipient)
            #expect(exchange.ack == recount.ack(exchange.exchange), "exchange \(exchange.exchange)")
        }
        let flows = try views.flows()
        #expect(flows.count == recount.flows.count)
        for flow in flows {
            let counted = try #require(recount.flows["\(flow.provider) \(flow.recipient) \(flow.dataset)"])
            #expect(Recount.Flow(exchanges: flow.exchanges, records: flow.records, bytes: flow.bytes, lastTime: flow.lastTime) == counted)
        }
        #expect(flows.reduce(0) { $0 + $1.records } == recount.exchanges.values.reduce(0) { $0 + $1.records })
        #expect(try views.quality().count == recount.quality)
        #expect(try views.findings().count == recount.findings)
        var byRule: [String: Int] = [:]
        for violation in try views.violations() where violation.rule != "P2" { byRule[violation.rule, default: 0] += 1 }
        #expect(byRule == recount.ruleCounts)
        // Every exchange's verdict lists exactly the rules of its violation rows.
        var rules: [String: [String]] = [:]
        for violation in try views.violations() { rules[violation.exchange, default: []].append(violation.rule) }
        for exchange in exchanges {
            #expect(exchange.verdict == (rules[exchange.exchange]?.joined(separator: ",") ?? "compliant"), "verdict of \(exchange.exchange)")
        }
        #expect(try views.position()?.size == recount.size)
    }

    @Test func viewsAgreeWithARecountAfterIncrementalCatchUpAndRebuild() async throws {
        let ledger = try await RandomLedger(seed: 47)
        defer { ledger.removeAll() }
        var options = ProjectorOptions()
        options.batchEntries = 37  // many transactions, batches that end anywhere
        let projector = try Projector(directory: ledger.directory, options: options)
        for round in 0..<3 {
            try await ledger.grow(250)
            let result = try projector.catchUp()
            #expect(result.notes.isEmpty, "round \(round): \(result.notes)")
            try Self.expectAgreement(projector.views, try Recount(directory: ledger.directory))
        }
        let recount = try Recount(directory: ledger.directory)
        #expect(recount.exchanges.count > 100 && recount.ruleCounts.count >= 3, "the scenario exercises the rules: \(recount.ruleCounts)")
        let incremental = try projector.digest()
        let rebuilt = try projector.rebuild()
        #expect(rebuilt.projected == recount.size)
        try Self.expectAgreement(projector.views, recount)
        #expect(try projector.digest() == incremental)
        // A projector that starts from nothing in another file, in one batch, agrees too.
        let fresh = try Projector(reader: LedgerReader(directory: ledger.directory), path: nil)
        try fresh.catchUp()
        #expect(try fresh.digest() == incremental)
        ledger.close()
    }

    @Test func aProjectorResumesFromThePositionAnotherProcessLeft() async throws {
        let ledger = try await RandomLedger(seed: 11)
        defer { ledger.removeAll() }
        try await ledger.grow(200)
        try Projector(directory: ledger.directory).catchUp()
        try await ledger.grow(200)
        // A new projector (as a new process would be) finds the position, reads the policy fold
        // back from the views, and projects only the new entries.
        let before = try #require(try ViewsFile(path: ledger.directory + "/views.sqlite").position()).size
        let second = try Projector(directory: ledger.directory)
        let result = try second.catchUp()
        #expect(result.notes.isEmpty)
        #expect(result.projected == result.size - before)
        #expect(result.resumedAt == before, "the fold is read back where the first projector left the views")
        try Self.expectAgreement(second.views, try Recount(directory: ledger.directory))
        let scratch = try Projector(reader: LedgerReader(directory: ledger.directory), path: nil)
        try scratch.catchUp()
        #expect(try scratch.digest() == second.digest())
        ledger.close()
    }

    @Test func twoProjectorsSharingAFileTakeTurnsWithoutLosingOrRepeatingRows() async throws {
        let ledger = try await RandomLedger(seed: 3)
        defer { ledger.removeAll() }
        try await ledger.grow(400)
        var options = ProjectorOptions()
        options.batchEntries = 50
        let first = try Projector(directory: ledger.directory, options: options)
        let second = try Projector(directory: ledger.directory, options: options)
        try first.catchUp(limit: 120)
        let overtaking = try second.catchUp(limit: 250)
        #expect(overtaking.projected == 130 && overtaking.resumedAt == 120)  // continues where the first stopped
        let overtaken = try first.catchUp()
        #expect(overtaken.projected == ledger.ledger.size - 250 && overtaken.resumedAt == 250)  // its fold read back where the second stopped
        let upToDate = try second.catchUp()
        #expect(upToDate.projected == 0 && upToDate.resumedAt == nil)
        try Self.expectAgreement(first.views, try Recount(directory: ledger.directory))
        let scratch = try Projector(reader: LedgerReader(directory: ledger.directory), path: nil)
        try scratch.catchUp()
        #expect(try scratch.digest() == first.digest())
        ledger.close()
    }

    /// The policy fold read back from the views at any position goes on exactly as one
    /// uninterrupted projection: for cuts all along a random ledger (open and late
    /// acknowledgements, mismatches, revoked and expired grants) and at every entry of the policy
    /// fixture (every rule broken, an exchange overdue), a new projector on the cut views gives
    /// the views (digest) of a projection from scratch.
    @Test func theFoldReadBackFromTheViewsAnywhereGoesOnAsOneProjection() async throws {
        let ledger = try await RandomLedger(seed: 29)
        defer { ledger.removeAll() }
        try await ledger.grow(320)
        let fixture = try fixtureCopy("policy")
        defer { removeCopy(fixture) }
        var acks: Set<String> = []
        for (directory, stride) in [(ledger.directory, 13), (fixture, 1)] {
            let reader = try LedgerReader(directory: directory)
            let size = try reader.refresh()
            let scratch = try Projector(reader: reader, path: nil)
            try scratch.catchUp()
            let expected = try scratch.digest()
            for cut in Swift.stride(from: Int64(1), to: size, by: stride) {
                let path = directory + "/cut-\(cut).sqlite"
                var options = ProjectorOptions()
                options.batchEntries = 7
                try Projector(reader: reader, path: path, options: options).catchUp(limit: cut)
                // A busy timeout: the projector just released may still be closing the file
                // (its last checkpoint of the WAL) on another thread.
                var configuration = Configuration()
                configuration.busyMode = .timeout(30)
                acks.formUnion(try await DatabaseQueue(path: path, configuration: configuration).read { db in
                    try String.fetchAll(db, sql: "SELECT ack FROM exchanges WHERE ack IN ('awaiting', 'overdue')")
                })
                let resumed = try Projector(reader: reader, path: path, options: options)
                let result = try resumed.catchUp()
                #expect(result.resumedAt == cut && result.notes.isEmpty, "\(directory) cut \(cut): \(result)")
                let digest = try resumed.digest()
                #expect(digest == expected, "\(directory) cut \(cut): \(digest.differingTables(from: expected))")
            }
        }
        #expect(acks == ["awaiting", "overdue"], "the cuts must fall where exchanges are awaiting and overdue")
        ledger.close()
    }

    /// Views whose state rows were changed outside the projector so that they cannot be read
    /// back are noted and rebuilt from the log, not trusted and not a trap.
    @Test func viewsWhoseStateRowsCannotBeReadBackAreRebuilt() async throws {
        let ledger = try await RandomLedger(seed: 31)
        defer { ledger.removeAll() }
        try await ledger.grow(200)
        let reader = try LedgerReader(directory: ledger.directory)
        let scratch = try Projector(reader: reader, path: nil)
        try scratch.catchUp()
        let edits = [
            ("UPDATE parties SET kind = 'martian' WHERE party = (SELECT min(party) FROM parties)", "is not a PartyKind"),
            ("UPDATE datasets SET fields = 'id, name'", "not a JSON list"),
            ("UPDATE grants SET valid_until = 'soon'", "is not an RFC 3339 time"),
            ("UPDATE exchanges SET records = 'many' WHERE ack IN ('awaiting', 'overdue')", "not an integer"),
            ("UPDATE exchanges SET digest = upper(digest) WHERE ack IN ('awaiting', 'overdue')", "is not 64 lowercase hex digits"),
        ]
        for (edit, why) in edits {
            let path = ledger.directory + "/edited.sqlite"
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
            try Projector(reader: reader, path: path).catchUp(limit: 150)
            let database = try DatabaseQueue(path: path)
            try await database.write { db in try db.execute(sql: edit) }
            try database.close()
            let projector = try Projector(reader: reader, path: path)
            let result = try projector.catchUp()
            #expect(result.notes.count == 1 && result.notes.first?.contains("edited.sqlite cannot be resumed: ") == true
                    && result.notes.first?.contains(why) == true && result.notes.first?.hasSuffix("; rebuilt from the log") == true,
                    "\(edit): \(result.notes)")
            #expect(result.resumedAt == 0 && result.projected == result.size)
            #expect(try projector.digest() == scratch.digest(), "\(edit)")
        }
        ledger.close()
    }
}
