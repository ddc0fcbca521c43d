import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
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
        // What `append` prints for each receipt is the canonical JSON of the receipt.
        for receipt in receipts {
            #expect(receipt.description == String(decoding: CanonicalJSON.encode(receipt.json), as: UTF8.self))
            #expect(receipt.description == #"{"hash":""# + receipt.leafHash.hex + #"","seq":\#(receipt.seq)}"#)
        }
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

    /// A clock past 9999-12-31 would give an entry a `time` no reader accepts, and the log could
    /// not be read or reopened past it: the append is refused and nothing is written.
    @Test
    func aClockBeyondTheYearsRFC3339CanNameIsRefusedAndNothingIsWritten() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await scenario.create().close()
        var options = WriterOptions()
        options.clock = { 253_402_300_800_000_000 }  // 10000-01-01T00:00:00Z
        let ledger = try Ledger.open(at: scenario.directory, options: options)
        let snapshot = try scenario.snapshot()
        let error = try #require(throws: StoreError.self) { try ledger.writer.appendBlocking([try scenario.exchange(1)]) }
        #expect(error.code == .rejected && error.violation?.code == .malformedLine && error.violation?.field == "time", "\(error)")
        #expect(error.message.contains("WriterOptions.clock"), "\(error)")
        #expect(try scenario.snapshot() == snapshot)
        ledger.close()
        let reopened = try Ledger.open(at: scenario.directory)
        defer { reopened.close() }
        #expect(try await reopened.append(scenario.exchange(1)).seq == 6)
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

    @Test(arguments: WriterOptions.Durability.allCases)
    func everyDurabilityPolicyAppendsTheSameChain(_ durability: WriterOptions.Durability) async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        var options = WriterOptions()
        options.durability = durability
        options.clock = { 1_795_420_800_000_000 }  // a fixed clock: the log is the same whatever the policy
        let ledger = try await scenario.create(options: options)
        let receipts = try await withThrowingTaskGroup(of: Receipt.self) { group in
            for n in 0..<50 { group.addTask { try await ledger.append(scenario.exchange(n)) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Set(receipts.map(\.seq)) == Set(6..<56))
        ledger.close()
        let reopened = try Ledger.open(at: scenario.directory)
        defer { reopened.close() }
        #expect(reopened.size == 56 && reopened.writer.recovery.isClean)
    }

    @Test
    func ledgerTimeNeverGoesBackwardsEvenWhenTheClockDoes() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let clock = ManualClock(start: 1_795_420_800_000_000)
        var options = WriterOptions()
        options.clock = { clock.next() }
        let ledger = try await scenario.create(options: options)
        defer { ledger.close() }
        clock.jump(by: -3_600_000_000)  // an hour back, as after a bad NTP step
        _ = try await ledger.append(scenario.exchange(1))
        let entries = try ledger.entries(0..<7)
        for (earlier, later) in zip(entries, entries.dropFirst()) { #expect(!(later.time < earlier.time)) }
        #expect(entries[6].time == entries[5].time)
    }

    @Test
    func aBatchSubmittedAfterARefusedOneIsNotAttempted() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let snapshot = try scenario.snapshot()
        let selfExchange = try scenario.platform.sign(.exchangeSent(ExchangeSentBody(
            exchange: "x-9", dataset: "trips", recipient: "ride.example", grant: nil, purpose: "p", fields: ["end"],
            records: 1, bytes: 1, digest: String(repeating: "a", count: 64))), id: "x-9", at: Scenario.at)
        let refused = ledger.writer.submit([try scenario.exchange(1), selfExchange])
        let dependent = ledger.writer.submit([try scenario.exchange(2)], after: refused)
        #expect(throws: StoreError.self) { try refused.wait() }
        let notAttempted = try #require(throws: StoreError.self) { try dependent.wait() }
        #expect(notAttempted.message.contains("not attempted"))
        #expect(try scenario.snapshot() == snapshot)
        // Chained batches that all pass go in, in order.
        let first = ledger.writer.submit([try scenario.exchange(1)])
        let second = ledger.writer.submit([try scenario.exchange(2)], after: first)
        #expect(try first.wait().map(\.seq) + second.wait().map(\.seq) == [6, 7])
    }

    @Test
    func eventsSignedWithAKeyRegisteredInTheBatchJustBeforeAreAccepted() async throws {
        // The committer checks a group's signatures while the group before it is still being
        // written, so a key registered there must already count.
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        var tickets: [AppendTicket] = []
        var keys: [PrivateKey] = []
        for n in 0..<20 {
            let key = try PrivateKey.generate(suite: .ed25519SHA256)
            keys.append(key)
            let registration = try scenario.operatorParty.sign(.partyRegistered(PartyRegisteredBody(
                party: "p\(n).example", name: "P\(n)", kind: .enterprise, roles: [.provider], key: key.publicKey)), id: "reg-p\(n)")
            let catalog = try Participant(id: "p\(n).example", key: key, origin: scenario.origin).sign(.datasetCataloged(DatasetCatalogedBody(
                dataset: "d\(n)", title: "D", sharing: .open, level: .general, fields: ["a"])), id: "cat-d\(n)")
            tickets.append(ledger.writer.submit([registration]))
            tickets.append(ledger.writer.submit([catalog]))
        }
        let seqs = try tickets.flatMap { try $0.wait() }.map(\.seq)
        #expect(seqs == Array(6..<46))
        // A key registered by an event that was refused does not count.
        let orphanKey = try PrivateKey.generate(suite: .ed25519SHA256)
        let badRegistration = try scenario.platform.sign(.partyRegistered(PartyRegisteredBody(
            party: "orphan.example", name: "O", kind: .enterprise, roles: [.provider], key: orphanKey.publicKey)), id: "reg-orphan")
        let orphanEvent = try Participant(id: "orphan.example", key: orphanKey, origin: scenario.origin).sign(.datasetCataloged(DatasetCatalogedBody(
            dataset: "orphan", title: "O", sharing: .open, level: .general, fields: ["a"])), id: "cat-orphan")
        let refused = ledger.writer.submit([badRegistration])
        let orphan = ledger.writer.submit([orphanEvent])
        #expect((try? refused.wait()) == nil)
        let error = try #require(throws: StoreError.self) { try orphan.wait() }
        #expect(error.violation?.code == .unknownAuthor)
    }

    @Test
    func closedWriterRefusesAppendsWithAClearError() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        ledger.close()
        let error = try #require(throws: StoreError.self) { try ledger.writer.appendBlocking([try scenario.exchange(1)]) }
        #expect(error.code == .closed)
        #expect(try ledger.writer.appendBlocking([]).isEmpty)
    }

    /// Compiles only while `Ledger.append` keeps `StoreError` in its type (typed throws).
    private func typedAppend(_ ledger: Ledger, _ event: SignedEvent) async throws(StoreError) -> Receipt { try await ledger.append(event) }

    /// `Ledger.append` throws a `StoreError` by its type: a refusal is caught without a cast.
    @Test
    func appendThrowsAStoreErrorByItsType() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let unknown = try scenario.platform.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "nope", digest: String(repeating: "0", count: 64), records: 1)), id: "ack-nope", at: Scenario.at)
        let refusal: StoreError?
        do {
            _ = try await typedAppend(ledger, unknown)
            refusal = nil
        } catch {
            refusal = error  // StoreError, no cast
        }
        #expect(refusal?.code == .rejected && refusal?.violation?.code == .unknownReference, "\(String(describing: refusal))")
    }
}

/// A test clock that can be moved back.
private final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64
    init(start: Int64) { now = start }
    func next() -> Int64 { lock.withLock { now += 1; return now } }
    func jump(by micros: Int64) { lock.withLock { now += micros } }
}
