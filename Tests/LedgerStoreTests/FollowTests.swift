import FlowLedger
import Foundation
import LedgerStore
import LedgerTestSupport
import Testing

/// Following a ledger while another process appends (the library half of `tail -f`): every
/// entry arrives once, in order, across segment roll-over, and a reader never sees a partial line.
@Suite("Following new entries (Follow)")
struct FollowTests {
    /// This process's threads (/proc/self/task).
    private func threadCount() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count }

    /// Followers that have caught up wait as suspended tasks on one shared watch of `log/`: 200 of
    /// them add a thread or two, not one each, and every one of them sees the next entry.
    @Test
    func manyWaitingFollowersShareOneWatchAndAllSeeTheNextEntry() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let reader = try LedgerReader(directory: scenario.directory)
        let before = try threadCount()
        let followers = (0..<200).map { _ in
            Task { () -> Int64? in
                for try await batch in EntryFollower(reader: reader, from: 6).batches { return batch.first?.seq }
                return nil
            }
        }
        try await Task.sleep(for: .milliseconds(500))  // all of them caught up and waiting
        let waiting = try threadCount()
        #expect(waiting - before < 20, "\(waiting - before) threads more for 200 waiting followers")
        _ = try await ledger.append(scenario.exchange(0))
        let watchdog = Task {
            try await Task.sleep(for: .seconds(30))
            for follower in followers { follower.cancel() }
        }
        for follower in followers { #expect(try await follower.value == 6) }
        watchdog.cancel()
    }

    @Test
    func followerSeesEveryEntryOnceInOrderWhileAnotherProcessAppends() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let setUp = try await scenario.create()
        setUp.close()
        let work = scenario.workDirectory
        let count = 300
        let input = try scenario.writeSignedExchanges(count: count)

        let reader = try LedgerReader(directory: scenario.directory)
        let expected = 6 + count
        let follower = Task {
            var seen: [Entry] = []
            for try await entry in EntryFollower(reader: reader, from: 0) {
                seen.append(entry)
                if seen.count == expected { break }
            }
            return seen
        }
        let child = try ChildProcess([flowledgerPath, "append", scenario.directory, "--signed", input, "--batch-lines", "7", "--segment-bytes", "20000"], directory: work)
        let watchdog = Task {
            try await Task.sleep(for: .seconds(60))
            follower.cancel()
        }
        let seen = try await follower.value
        watchdog.cancel()
        #expect(child.wait() == 0)
        #expect(seen.map(\.seq) == Array(0..<Int64(expected)))
        let stored = try LedgerReader(directory: scenario.directory)
        for entry in seen { #expect(entry.line == (try stored.line(at: entry.seq))) }
        let segments = try FileManager.default.contentsOfDirectory(atPath: LedgerLayout(directory: scenario.directory).log)
        #expect(segments.count > 3)
    }

    @Test
    func followingFromTheEndWaitsForTheNextEntryAndStopsWhenCancelled() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let follower = Task { () -> Entry? in
            for try await entry in ledger.follow(from: 6) { return entry }
            return nil
        }
        try await Task.sleep(for: .milliseconds(300))
        _ = try await ledger.append(scenario.exchange(1))
        let entry = try await follower.value
        #expect(entry?.seq == 6)
        #expect(entry?.event.id == "x-1")

        let idle = Task { () -> Int in
            var count = 0
            for try await _ in ledger.follow(from: 7) { count += 1 }
            return count
        }
        try await Task.sleep(for: .milliseconds(200))
        idle.cancel()
        #expect(try await idle.value == 0)
    }
}
