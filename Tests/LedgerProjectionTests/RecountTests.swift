import FlowLedger
import GRDB
import Foundation
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
        var keeping = ProjectorOptions()
        keeping.keepPolicyStateEvery = 1
        try Projector(directory: ledger.directory, options: keeping).catchUp()
        try await ledger.grow(200)
        // A new projector (as a new process would be) finds the position, replays the policy
        // state without writing, and projects only the new entries.
        let before = try #require(try ViewsFile(path: ledger.directory + "/views.sqlite").position()).size
        let second = try Projector(directory: ledger.directory)
        let result = try second.catchUp()
        #expect(result.notes.isEmpty)
        #expect(result.projected == result.size - before)
        #expect(result.replayed == 0, "the policy state kept at the first projector's position is resumed, not replayed")
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
        #expect(try second.catchUp(limit: 250).projected == 130)  // continues where the first stopped
        #expect(try first.catchUp().projected == ledger.ledger.size - 250)  // its policy state catches up without writing
        #expect(try second.catchUp().projected == 0)
        try Self.expectAgreement(first.views, try Recount(directory: ledger.directory))
        let scratch = try Projector(reader: LedgerReader(directory: ledger.directory), path: nil)
        try scratch.catchUp()
        #expect(try scratch.digest() == first.digest())
        ledger.close()
    }

    /// By default the fold is kept once the entries projected since it was last kept are at least
    /// as many as the items it holds (counted here by a fold of our own): always at the end of a
    /// first catch-up, not after one more entry, and again at the first size where the rule holds.
    @Test func byDefaultTheFoldIsKeptOnceTheNewEntriesOutnumberItsItems() async throws {
        let ledger = try await RandomLedger(seed: 5)
        defer { ledger.removeAll() }
        try await ledger.grow(400)
        let reader = try LedgerReader(directory: ledger.directory)
        let size = try reader.refresh()
        var policy = PolicyChecker()
        var held: [Int] = [0]  // held[n]: items after the first n entries
        for line in try reader.lines(in: 0..<size) {
            _ = policy.apply(try Entry(line: line))
            held.append(policy.heldItems)
        }
        let database = try DatabaseQueue(path: ledger.directory + "/views.sqlite")
        func kept() async throws -> Int64? {
            try await database.read { db in try Int64.fetchOne(db, sql: "SELECT size FROM policy_state") }
        }
        try Projector(directory: ledger.directory).catchUp(limit: 150)
        #expect(try await kept() == 150, "a first catch-up keeps the fold: it holds at most one item per entry")
        #expect(held[151] > 1)
        try Projector(directory: ledger.directory).catchUp(limit: 151)
        #expect(try await kept() == 150, "one entry more is not worth rewriting \(held[151]) items")
        let due = try #require((152...Int(size)).first { $0 - 150 >= held[$0] }, "the ledger is too short for the rule to come round")
        try Projector(directory: ledger.directory).catchUp(limit: Int64(due) - 1)
        #expect(try await kept() == 150)
        try Projector(directory: ledger.directory).catchUp(limit: Int64(due))
        #expect(try await kept() == Int64(due))
        try database.close()
        ledger.close()
    }

    /// The policy state kept in the file is a cache: one at the position is resumed, one older
    /// than the position is resumed and the rest replayed, and one that does not decode is
    /// noted and replayed over; the views are the same every way.
    @Test func aKeptPolicyStateIsResumedAndABadOneIsReplayedOver() async throws {
        let ledger = try await RandomLedger(seed: 29)
        defer { ledger.removeAll() }
        try await ledger.grow(300)
        let database = try DatabaseQueue(path: ledger.directory + "/views.sqlite")
        func kept() async throws -> (size: Int64, state: Data)? {
            try await database.read { db in
                try Row.fetchOne(db, sql: "SELECT size, state FROM policy_state").map { ($0["size"], $0["state"]) }
            }
        }
        var options = ProjectorOptions()
        options.keepPolicyStateEvery = 1
        try Projector(directory: ledger.directory, options: options).catchUp(limit: 100)
        let at100 = try #require(try await kept())
        #expect(at100.size == 100)
        options.batchEntries = 40
        let second = try Projector(directory: ledger.directory, options: options).catchUp(limit: 200)
        #expect(second.replayed == 0 && second.projected == 100)
        #expect(try await kept()?.size == 200)
        // As if the last projector had died before keeping its state: the one of 100 is older.
        try await database.write { db in try db.execute(sql: "UPDATE policy_state SET size = ?, state = ?", arguments: [at100.size, at100.state]) }
        let older = try Projector(directory: ledger.directory, options: options).catchUp(limit: 230)
        #expect(older.replayed == 100 && older.projected == 30 && older.notes.isEmpty, "\(older)")
        try await database.write { db in try db.execute(sql: "DELETE FROM policy_state") }
        let none = try Projector(directory: ledger.directory, options: options).catchUp(limit: 250)
        #expect(none.replayed == 230 && none.notes.isEmpty, "no kept state: replayed from genesis")
        try await database.write { db in try db.execute(sql: "UPDATE policy_state SET state = X'7b7d'") }  // "{}"
        let bad = try Projector(directory: ledger.directory, options: options).catchUp()
        #expect(bad.replayed == 250)
        #expect(bad.notes.count == 1 && bad.notes.first?.contains("the policy state kept in the views file does not decode") == true, "\(bad.notes)")
        try Self.expectAgreement(try Projector(directory: ledger.directory).views, try Recount(directory: ledger.directory))
        let scratch = try Projector(reader: LedgerReader(directory: ledger.directory), path: nil)
        try scratch.catchUp()
        #expect(try scratch.digest() == Projector(directory: ledger.directory).digest())
        try database.close()
        ledger.close()
    }
}
