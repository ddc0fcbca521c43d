import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// The library's subscription: ``Projector/updates()`` yields the caught-up state, then the
/// violations of each new batch of entries as the log grows.
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
        var seen = first.violations
        var size = first.size
        while size < ledger.ledger.size {
            let update = try #require(try await updates.next())
            #expect(update.size > size && update.projected == update.size - size)
            size = update.size
            seen += update.violations
        }
        #expect(seen == (try projector.views.violations()), "every violation reported exactly once, in order")
        #expect(seen.count > first.violations.count)
        ledger.close()
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
