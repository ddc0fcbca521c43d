import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// The library's subscription: ``Projector/updates()`` yields the caught-up state, then the
/// violations and the changed rows of each new batch of entries as the log grows.
@Suite struct UpdatesTests {
    @Test func updatesFollowTheLogAndCarryNewViolations() async throws {
        let ledger = try await RandomLedger(seed: 9)
        defer { ledger.removeAll() }
        try await ledger.grow(300)
        let projector = try Projector(directory: ledger.directory)
        var updates = projector.updates().makeAsyncIterator()
        let first = try #require(try await updates.next())
        #expect(first.size == ledger.ledger.size)
        #expect(first.violations == (try projector.views.violations()))
        try await ledger.grow(300)
        #expect(first.changes.isEmpty, "the first update says where the views stand")
        var seen = first.violations
        var size = first.size
        let reader = try LedgerReader(directory: ledger.directory)
        var changedExchanges = 0
        while size < ledger.ledger.size {
            let update = try #require(try await updates.next())
            #expect(update.size > size && update.projected == update.size - size)
            // The rows the update names are those the new entries wrote, recounted from the entries.
            _ = try reader.refresh()
            let expected = try Self.touched(by: reader.lines(in: size..<update.size).map { try Entry(line: $0) }, violations: update.violations)
            let changes = update.changes
            #expect(Set(changes.parties.map(\.party)) == expected.parties)
            #expect(Set(changes.datasets.map(\.dataset)) == expected.datasets)
            #expect(Set(changes.grants.map(\.grant)) == expected.grants)
            #expect(Set(changes.exchanges.map(\.exchange)) == expected.exchanges, "entries \(size)..<\(update.size)")
            #expect(changes.quality.map(\.seq) == expected.quality && changes.findings.map(\.seq) == expected.findings)
            changedExchanges += changes.exchanges.count
            size = update.size
            seen += update.violations
        }
        #expect(seen == (try projector.views.violations()), "every violation reported exactly once, in order")
        #expect(seen.count > first.violations.count)
        #expect(changedExchanges > 0)
        ledger.close()
    }

    /// The ids of the rows `entries` write, and the exchanges `violations` name.
    static func touched(by entries: [Entry], violations: [ViolationView])
        -> (parties: Set<String>, datasets: Set<String>, grants: Set<String>, exchanges: Set<String>, quality: [Int64], findings: [Int64]) {
        var out: (parties: Set<String>, datasets: Set<String>, grants: Set<String>, exchanges: Set<String>, quality: [Int64], findings: [Int64])
            = ([], [], [], Set(violations.map(\.exchange)), [], [])
        for entry in entries {
            switch entry.event.body {
            case .genesis(let body): out.parties.insert(body.operator.party)
            case .partyRegistered(let body): out.parties.insert(body.party)
            case .partyKeyRotated: out.parties.insert(entry.event.author)
            case .partySuspended(let body): out.parties.insert(body.party)
            case .partyReinstated(let body): out.parties.insert(body.party)
            case .datasetCataloged(let body): out.datasets.insert(body.dataset)
            case .datasetReclassified(let body): out.datasets.insert(body.dataset)
            case .grantIssued(let body): out.grants.insert(body.grant)
            case .grantRevoked(let body): out.grants.insert(body.grant)
            case .exchangeSent(let body): out.exchanges.insert(body.exchange)
            case .exchangeReceived(let body): out.exchanges.insert(body.exchange)
            case .qualityReported: out.quality.append(entry.seq)
            case .auditFinding: out.findings.append(entry.seq)
            }
        }
        return out
    }

    @Test func typedViewsReadWhatTheReadmeShows() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        let projector = try Projector(directory: directory)
        try projector.catchUp()
        let flows = try projector.views.flows()
        #expect(flows.map { "\($0.provider) → \($0.recipient) \($0.dataset) \($0.exchanges) \($0.records)" }
                == ["ride-a.example → transport.sh trips 3 3530", "telecom.example → health.sh mobility 1 5000"])
        #expect(try projector.views.parties().first { $0.party == "ride-a.example" }?.keyID != nil)
        #expect(try projector.views.grants().map(\.status) == ["active"])
        #expect(try projector.views.quality().map(\.dimension) == ["timeliness"])
        #expect(try projector.views.findings().map(\.subject) == ["x-1"])
    }
}
