import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

@Suite("Ledger writer: appends, receipts, idempotency, reopen (LedgerWriter)")
struct LedgerWriterTests {
    @Test(arguments: Suite.allCases)
    func appendsChainAndReopenToTheSameState(_ suite: Suite) async throws {
        let scenario = try Scenario(suite: suite)
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        var receipts: [Receipt] = []
        for n in 0..<20 { receipts.append(try await ledger.append(scenario.exchange(n))) }
        #expect(receipts.map(\.seq) == Array(6..<26))
        #expect(ledger.size == 26)
        let entries = try ledger.entries(0..<26)
        var prev = Hash32.zero
        for entry in entries {
            #expect(entry.prev == prev)
            prev = Entry.leafHash(line: entry.line, hash: suite.hash)
        }
        #expect(receipts.last?.leafHash == prev)
        ledger.close()

        let reopened = try Ledger.open(at: scenario.directory)
        defer { reopened.close() }
        #expect(reopened.size == 26)
        #expect(reopened.writer.recovery.isClean)
        let again = try await reopened.append(scenario.exchange(20))
        #expect(again.seq == 26)
        #expect(try reopened.entries(26..<27)[0].prev == prev)
    }

    @Test
    func theSameEventAgainReturnsTheOriginalReceiptAndADifferentOneUnderItsIdIsAConflict() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let event = try scenario.exchange(1)
        let first = try await ledger.append(event)
        let before = try scenario.snapshot()
        #expect(try await ledger.append(event) == first)
        // Within one batch too.
        let batch = try await ledger.append([scenario.exchange(2), scenario.exchange(2)])
        #expect(batch[0] == batch[1])
        let afterBatch = try scenario.snapshot()
        #expect(afterBatch.count == before.count)
        let other = try scenario.platform.sign(.exchangeSent(ExchangeSentBody(
            exchange: "x-99", dataset: "trips", recipient: "transport.sh", grant: "g-1", purpose: "supervision",
            fields: ["end"], records: 1, bytes: 1, digest: String(repeating: "0", count: 64))), id: "x-1", at: Scenario.at)
        let error = try #require(throws: StoreError.self) { try ledger.writer.appendBlocking([other]) }
        #expect(error.violation?.code == .idConflict)
        #expect(error.message.contains("seq 6"))
        #expect(try scenario.snapshot() == afterBatch)
    }

    @Test
    func concurrentAppendsFromManyTasksProduceAGapFreeChainWithEveryReceipt() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        let events = try (0..<400).map { try scenario.exchange($0) }
        let receipts = try await withThrowingTaskGroup(of: (Int, Receipt).self) { group in
            for (index, event) in events.enumerated() {
                group.addTask { (index, try await ledger.append(event)) }
            }
            var out: [Int: Receipt] = [:]
            for try await (index, receipt) in group { out[index] = receipt }
            return out
        }
        #expect(receipts.count == 400)
        #expect(Set(receipts.values.map(\.seq)) == Set(6..<406))
        let entries = try ledger.entries(0..<406)
        var prev = Hash32.zero
        for (seq, entry) in entries.enumerated() {
            #expect(entry.seq == Int64(seq) && entry.prev == prev)
            prev = Entry.leafHash(line: entry.line, hash: .sha256)
            if seq >= 6 {
                let index = Int(entry.event.id.dropFirst(2))!
                #expect(receipts[index]?.seq == entry.seq)
                #expect(receipts[index]?.leafHash == prev)
            }
        }
        ledger.close()
    }
}
