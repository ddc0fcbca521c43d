import FlowLedger
import Foundation
import GRDB
import LedgerProjection
import LedgerTestSupport
import Testing

/// A views file that does not belong to the log is rebuilt, with a note saying why: from another
/// ledger, ahead of the log, built from other entries, of another schema, missing a table, or
/// not a database.
@Suite struct RebuildTests {
    static func edit(_ path: String, _ sql: String) throws {
        let queue = try DatabaseQueue(path: path)
        try queue.write { db in try db.execute(sql: sql) }
    }

    @Test func viewsOfAnotherLedgerAreRebuilt() throws {
        let policy = try fixtureCopy("policy")
        let intact = try fixtureCopy("intact")
        defer { removeCopy(policy); removeCopy(intact) }
        try Projector(directory: policy).catchUp()
        try FileManager.default.copyItem(atPath: policy + "/views.sqlite", toPath: intact + "/views.sqlite")
        let projector = try Projector(directory: intact)
        let result = try projector.catchUp()
        #expect(result.notes.count == 1 && result.notes[0].contains("belongs to another ledger"), "\(result.notes)")
        #expect(try projector.views.violations().isEmpty)
        #expect(try ViewsCheck.run(directory: intact).holds)
    }

    @Test func viewsAheadOfTheLogAreRebuilt() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        let path = directory + "/views.sqlite"
        try Projector(directory: directory).catchUp()
        try Self.edit(path, "UPDATE position SET size = size + 5")
        let result = try Projector(directory: directory).catchUp()
        #expect(result.notes.count == 1 && result.notes[0].contains("covers 25 entries but the log has 20"), "\(result.notes)")
        #expect(try ViewsCheck.run(directory: directory).holds)
    }

    @Test func viewsBuiltFromOtherEntriesAreRebuilt() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        try Projector(directory: directory).catchUp()
        try Self.edit(directory + "/views.sqlite", "UPDATE position SET last_hash = '\(String(repeating: "ab", count: 32))'")
        let result = try Projector(directory: directory).catchUp()
        #expect(result.notes.count == 1 && result.notes[0].contains("different entry 19"), "\(result.notes)")
        #expect(try ViewsCheck.run(directory: directory).holds)
    }

    @Test func viewsMissingATableAreRebuilt() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        try Projector(directory: directory).catchUp()
        try Self.edit(directory + "/views.sqlite", "DROP TABLE quality")
        let result = try Projector(directory: directory).catchUp()
        #expect(result.notes == ["views.sqlite has no table quality (dropped outside the projector); rebuilt from the log"], "\(result.notes)")
        #expect(try ViewsCheck.run(directory: directory).holds)
    }

    @Test func aFileThatIsNotADatabaseIsReplaced() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: directory + "/views.sqlite"))
        let projector = try Projector(directory: directory)
        let result = try projector.catchUp()
        #expect(result.notes.count == 1 && result.notes[0].contains("not a readable SQLite database"), "\(result.notes)")
        #expect(try projector.views.exchanges().count == 4)
    }

    @Test func aMissingFileIsBuiltAndAnUpToDateOneIsLeftAlone() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        let first = try Projector(directory: directory).catchUp()
        #expect(first.notes.isEmpty && first.projected == 20)
        let again = try Projector(directory: directory).catchUp()
        #expect(again.notes.isEmpty && again.projected == 0 && again.size == 20)
    }
}
