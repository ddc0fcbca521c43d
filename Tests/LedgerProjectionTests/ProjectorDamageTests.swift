import FlowLedger
import Foundation
import LedgerProjection
import LedgerTestSupport
import Testing

/// A log damaged after the views were built is reported as damage (`logDamaged`, exit 1 in the
/// CLI), whichever step of the next catch-up meets it, never as an I/O or usage failure.
@Suite struct ProjectorDamageTests {
    /// Puts a segment file named after entry 25 beside a log of 20 entries: the reader's
    /// refresh finds entries 20…24 missing.
    static func addMisnamedSegment(_ directory: String) throws {
        try FileManager.default.copyItem(atPath: directory + "/log/00000000000000000014.jsonl",
                                         toPath: directory + "/log/00000000000000000025.jsonl")
    }

    /// The damage here is met by `LedgerReader.refresh()` inside `catchUp()` (the projector's
    /// reader was opened while the log was intact), the path that once kept only the message.
    @Test func damageMetByTheReadersRefreshIsReportedAsLogDamage() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        let projector = try Projector(directory: directory)
        #expect(try projector.catchUp().size == 20)
        try Self.addMisnamedSegment(directory)
        let error = try #require(throws: ProjectionError.self) { try projector.catchUp() }
        #expect(error.logDamaged, "\(error.message)")
        #expect(error.message.contains("00000000000000000025.jsonl starts at entry 25, but the segments before it end at entry 19"), "\(error.message)")
        #expect(error.message.contains("Run `flowledger verify \(directory)` for a full report"), "\(error.message)")
        // Opening a projector (or checking views) on the damaged log says the same.
        let opening = try #require(throws: ProjectionError.self) { try Projector(directory: directory) }
        #expect(opening.logDamaged, "\(opening.message)")
        let checking = try #require(throws: ProjectionError.self) { try ViewsCheck.run(directory: directory) }
        #expect(checking.logDamaged, "\(checking.message)")
    }

    /// `views` and `query` on a ledger whose log was damaged after its views were built: the
    /// damage is met in the incremental catch-up (a misnamed segment by the reader's refresh, an
    /// appended line that does not follow by the projector's chain check), exit 1, and the
    /// message points at `flowledger verify`.
    @Test func viewsAndQueryOnALogDamagedAfterTheViewsWereBuiltExitOne() throws {
        let damages: [(String, (String) throws -> Void, String)] = [
            ("misnamed segment", Self.addMisnamedSegment,
             "log/00000000000000000025.jsonl starts at entry 25, but the segments before it end at entry 19: entries 20…24 are missing"),
            ("appended line", { directory in
                // The last line again, as entry 20: its seq says 19.
                let path = directory + "/log/00000000000000000014.jsonl"
                let text = try contents(path)
                let last = text.split(separator: "\n").last!
                try write(text + last + "\n", to: path)
            }, "entry 20 does not follow the entry before it (the line there says seq 19)"),
        ]
        for (name, damage, message) in damages {
            let directory = try fixtureCopy("intact")
            defer { removeCopy(directory) }
            let built = try flowledger(["views", directory, "parties"])
            #expect(built.status == 0, "\(name): \(built.err)")
            try damage(directory)
            for command in [["views", directory, "exchanges"], ["query", directory, "SELECT count(*) FROM exchanges"]] {
                let result = try flowledger(command)
                #expect(result.status == 1, "\(name), \(command[0]): \(result.err)")
                #expect(result.out == "", "\(name), \(command[0]): \(result.out)")
                #expect(result.err.hasPrefix("flowledger: error: ") && result.err.contains(message), "\(name), \(command[0]): \(result.err)")
                #expect(result.err.contains("Run `flowledger verify \(directory)` for a full report"), "\(name), \(command[0]): \(result.err)")
            }
        }
    }
}
