@testable import LedgerService
import Testing

/// The witness's cap on requests decided at once: the one past the limit is turned away at
/// once, not queued, and a slot is free again once a piece of work ends.
struct ConcurrencyLimitTests {
    @Test func thePiecePastTheLimitIsTurnedAwayAndASlotComesBack() async throws {
        let limit = ConcurrencyLimit(2)
        let gates = (0..<2).map { _ in AsyncStream<Void>.makeStream() }
        let (started, announce) = AsyncStream<Void>.makeStream()
        let held = gates.map { gate in
            Task {
                await limit.run {
                    announce.yield()
                    for await _ in gate.stream { break }
                    return true
                }
            }
        }
        var starts = started.makeAsyncIterator()
        for _ in 0..<2 { await starts.next() }
        #expect(await limit.run { true } == nil, "a third piece ran beside two that hold the limit")
        #expect(await limit.run { true } == nil)
        // Reported once per interval, with how many since the last report.
        #expect(limit.turnedAway(reportingEvery: .seconds(60)) == 2)
        #expect(await limit.run { true } == nil)
        #expect(limit.turnedAway(reportingEvery: .seconds(60)) == nil)
        for gate in gates { gate.continuation.yield() }
        for task in held { #expect(await task.value == true) }
        #expect(await limit.run { true } == true, "no slot came back after the work ended")
    }
}
