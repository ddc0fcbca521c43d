import FlowLedger
import Foundation
import LedgerProjection
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Killing the projector mid-catch-up (SIGKILL, a real process) leaves the views exactly at their
/// recorded position, and restarting gives the same views as a from-scratch rebuild.
@Suite struct KillTests {
    @Test func killingTheProjectorMidCatchUpAndRestartingGivesIdenticalViews() async throws {
        let ledger = try await RandomLedger(seed: 2026)
        defer { ledger.removeAll() }
        try await ledger.grow(1500)
        ledger.close()
        let size = try LedgerReader(directory: ledger.directory).refresh()
        let path = ledger.directory + "/views.sqlite"
        let work = URL(fileURLWithPath: ledger.directory).deletingLastPathComponent().path

        // A catch-up of 25 entries per transaction, pausing between commits, killed after a few.
        let child = try ChildProcess([flowledgerPath, "views", ledger.directory, "parties", "--batch-entries", "25",
                                      "--pause-after-batch-ms", "20"], directory: work)
        var killedAt: Int64 = 0
        for _ in 0..<2000 {
            if FileManager.default.fileExists(atPath: path), let position = try? ViewsFile(path: path).position(), position.size >= 100 {
                child.kill()
                killedAt = position.size
                break
            }
            usleep(5000)
        }
        let stderr = (try? child.stderr()) ?? ""
        #expect(child.wait() == 128 + SIGKILL, "the projector was killed, not finished: \(stderr)")

        // The file holds exactly the rows of the entries its position covers, at a commit boundary.
        let killed = try #require(try ViewsFile(path: path).position())
        #expect(killed.size >= killedAt && killed.size < size && killed.size % 25 == 0, "position \(killed.size) of \(size)")
        let prefix = try Recount(directory: ledger.directory, limit: killed.size)
        let file = try ViewsFile(path: path)
        #expect(try file.select("SELECT count(*) FROM exchanges").rows == [[.integer(Int64(prefix.exchanges.count))]])
        #expect(try file.select("SELECT coalesce(sum(records), 0) FROM flows").rows == [[.integer(prefix.exchanges.values.reduce(0) { $0 + $1.records })]])

        // Restarting continues from there, with no note (nothing to rebuild) ...
        let restart = try flowledger(["views", ledger.directory, "exchanges", "--json"])
        #expect(restart.status == 0)
        #expect(restart.err == "")
        // ... and the views equal a from-scratch projection, row for row.
        let scratch = try Projector(reader: LedgerReader(directory: ledger.directory), path: nil)
        try scratch.catchUp()
        #expect(try ViewsFile(path: path).digest(hash: .sha256) == scratch.digest())
        try RecountTests.expectAgreement(try Projector(directory: ledger.directory).views, try Recount(directory: ledger.directory))
    }
}
