import FlowLedger
import Foundation
import GRDB
import LedgerCore
import LedgerProjection
import LedgerTestSupport
import Testing

/// `flowledger views`, `query` and `verify --views` as a user runs them: output, errors, exit codes.
@Suite struct ViewsCommandTests {
    @Test func viewsPrintsATableOrJSON() throws {
        let directory = try fixtureCopy("policy")
        defer { removeCopy(directory) }
        let table = try flowledger(["views", directory, "violations"])
        #expect(table.status == 0)
        #expect(table.err == "")
        let lines = table.out.split(separator: "\n")
        #expect(lines.first?.hasPrefix("rule  seq  exchange") == true)
        #expect(lines.last == "(9 rows)")
        let json = try flowledger(["views", directory, "flows", "--json"])
        #expect(json.status == 0)
        let flows = try #require(try CanonicalJSONParser.parse(Array(json.out.utf8.dropLast())).arrayValue)
        #expect(flows.count == 5)
        #expect(flows.first?["provider"]?.stringValue == "ride-a.example")
        #expect(flows.first?["first_time"]?.stringValue != nil, "JSON has every column")
        let parties = try flowledger(["views", directory, "parties", "--json"])
        let first = try #require(try CanonicalJSONParser.parse(Array(parties.out.utf8.dropLast())).arrayValue?.first)
        #expect(first["key"]?.stringValue?.hasPrefix("ed25519:") == true && first["key_id"]?.stringValue?.count == 16, "\(first)")
        let exchanges = try flowledger(["views", directory, "exchanges", "--json"])
        let exchange = try #require(try CanonicalJSONParser.parse(Array(exchanges.out.utf8.dropLast())).arrayValue?.first)
        #expect(exchange["digest"]?.stringValue?.count == 64 && exchange["purpose"] != nil && exchange["event_id"] != nil && exchange["fields"]?.arrayValue != nil)
    }

    @Test func anUnknownViewIsAUsageError() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        let result = try flowledger(["views", directory, "trips"])
        #expect(result.status == 2)
        #expect(result.err == "flowledger: error: no view \"trips\"; views: parties, datasets, grants, exchanges, flows, violations, quality, findings\n")
        let nowhere = try flowledger(["views", directory + "-nowhere", "parties"])
        #expect(nowhere.status == 2 && nowhere.err == "flowledger: error: \(directory)-nowhere does not exist: give the directory of a ledger (it holds ledger.json and log/); `flowledger init` creates a new one\n")
        let file = try flowledger(["query", directory + "/ledger.json", "SELECT 1"])
        #expect(file.status == 2 && file.err == "flowledger: error: \(directory)/ledger.json is a file, not a ledger directory: give the directory of a ledger (it holds ledger.json and log/)\n")
        let demo = try flowledger(["demo", directory + "/ledger.json"])
        #expect(demo.status == 2 && demo.err == "flowledger: error: \(directory)/ledger.json is a file; give a new directory for the demo ledger (or none, for a temporary one)\n")
    }

    @Test func queryRunsReadOnlySQLAndRefusesWrites() throws {
        let directory = try fixtureCopy("policy")
        defer { removeCopy(directory) }
        let counts = try flowledger(["query", directory, "SELECT rule, count(*) AS n FROM violations GROUP BY rule ORDER BY rule", "--json"])
        #expect(counts.status == 0)
        #expect(counts.out == #"[{"n":1,"rule":"P1"},{"n":4,"rule":"P2"},{"n":1,"rule":"P4"},{"n":1,"rule":"P5"},{"n":1,"rule":"P6"},{"n":1,"rule":"P7"}]"# + "\n")
        let before = try ViewsFile(path: directory + "/views.sqlite").digest(hash: .sha256)
        for statement in ["DELETE FROM violations", "UPDATE flows SET records = 0", "DROP TABLE parties", "INSERT INTO quality (seq) VALUES (99)"] {
            let refused = try flowledger(["query", directory, statement])
            #expect(refused.status == 2, "\(statement)")
            #expect(refused.err.hasPrefix("flowledger: error: query is read-only: the statement would change the database"), "\(refused.err)")
        }
        #expect(try ViewsFile(path: directory + "/views.sqlite").digest(hash: .sha256) == before)
        let bad = try flowledger(["query", directory, "SELECT x FROM nowhere"])
        #expect(bad.status == 2)
        #expect(bad.err == "flowledger: error: SQL error: no such table: nowhere\n")
        let begin = try flowledger(["query", directory, "BEGIN"])
        #expect(begin.status == 2 && begin.err == "flowledger: error: query runs one statement in a read-only transaction of its own; BEGIN has no use here: give the SELECT alone\n")
        // One statement per query: a write after a read is not run either.
        let two = try flowledger(["query", directory, "SELECT 1; DELETE FROM violations"])
        #expect(two.status == 2 && two.err == "flowledger: error: query runs one SQL statement; the text holds more than one: run them one at a time\n", "\(two.err)")
        let none = try flowledger(["query", directory, " -- nothing "])
        #expect(none.status == 2 && none.err == "flowledger: error: query needs one SQL statement; the text holds none\n", "\(none.err)")
        #expect(try ViewsFile(path: directory + "/views.sqlite").digest(hash: .sha256) == before)
    }

    /// The projector checks no signatures, but a log changed in the middle (an entry edited,
    /// removed, duplicated, swapped, out of time order, a segment missing, a line not canonical)
    /// stops the views before the change with exit 1 and a pointer to `verify`, instead of
    /// showing what the changed log says; with the derived index gone too.
    @Test func viewsStopAtALogChangedInTheMiddle() throws {
        let expected: [(String, String)] = [
            ("deleted-entry", "log/00000000000000000014.jsonl starts at entry 14, but the segments before it end at entry 12: entry 13 is missing"),
            ("duplicated-entry", "log/00000000000000000014.jsonl starts at entry 14, but the segments before it already hold entries up to 14: lines were added to a segment"),
            ("edited-body", "entry 10 does not follow the entry before it (its prev is not the leaf hash of entry 9)"),
            ("swapped-entries", "entry 10 does not follow the entry before it (the line there says seq 11)"),
            ("time-backwards", "entry 15 does not follow the entry before it (its time is before entry 14's)"),
            ("sequence-gap", "entry 16 does not follow the entry before it (the line there says seq 17)"),
            ("non-canonical", "entry 5 does not parse (not canonical JSON at byte 2"),
            ("missing-segment", "log/00000000000000000014.jsonl starts at entry 14, but the segments before it end at entry 6: entries 7…13 are missing"),
        ]
        for (name, message) in expected {
            let directory = try fixtureCopy("tampered/" + name)
            defer { removeCopy(directory) }
            try FileManager.default.removeItem(atPath: directory + "/index")
            let result = try flowledger(["views", directory, "exchanges"])
            #expect(result.status == 1, "\(name): \(result.err)")
            #expect(result.err.contains(message) && result.err.contains("Run `flowledger verify \(directory)` for a full report"), "\(name): \(result.err)")
        }
        // With the index in place, a moved line is caught there, and the advice is verify first.
        let edited = try fixtureCopy("tampered/edited-body")
        defer { removeCopy(edited) }
        let indexed = try flowledger(["views", edited, "exchanges"])
        #expect(indexed.status == 1)
        #expect(indexed.err.contains("the log may have been changed: run `flowledger verify \(edited)`; if it is intact, delete \(edited)/index"), "\(indexed.err)")
    }

    /// Text from the log never breaks a table's rows (newlines, tabs and bidi controls are
    /// escaped), integers JSON cannot hold come out as decimal text instead of a trap, and on a
    /// terminal a cut cell says so.
    @Test func tablesEscapeTextAndJSONHoldsAnyInteger() throws {
        let directory = try fixtureCopy("policy")
        defer { removeCopy(directory) }
        let forged = try flowledger(["query", directory, "SELECT 'a' || char(10) || '99 forged row' || char(9) || 'x' AS note, 'e' || char(8238) || 'x' AS bidi"])
        #expect(forged.status == 0)
        #expect(forged.out == "note                 bidi\n-------------------  --------\na\\n99 forged row\\tx  e\\u202ex\n(1 row)\n", "\(forged.out)")
        let big = try flowledger(["query", directory, "SELECT 9007199254740993 AS above, -9223372036854775808 AS lowest, 9007199254740991 AS safe", "--json"])
        #expect(big.status == 0, "\(big.err)")
        #expect(big.out == #"[{"above":"9007199254740993","lowest":"-9223372036854775808","safe":9007199254740991}]"# + "\n")
        let terminal = try run(["script", "-qec", "env COLUMNS=80 \(flowledgerPath) views \(directory) violations", "/dev/null"])
        let shown = String(decoding: terminal.stdout, as: UTF8.self)
        #expect(shown.contains("…") && shown.contains("(cells longer than 72 characters are cut with …; --json prints them whole)"), "\(shown)")
    }

    /// A regulator's read-only copy: `query` and `views` read the log, project it aside, and
    /// change nothing in the directory (its stale views.sqlite included).
    @Test func queryAndViewsWorkOnALedgerDirectoryThatCannotBeWritten() throws {
        let directory = try fixtureCopy("policy")
        defer {
            _ = try? run(["/bin/chmod", "-R", "u+w", directory])
            removeCopy(directory)
        }
        // Views of the first 12 entries only: stale, and not writable below.
        #expect(try flowledger(["views", directory, "parties", "--batch-entries", "4"]).status == 0)
        let views = directory + "/views.sqlite"
        let database = try DatabaseQueue(path: views)
        try database.write { db in try db.execute(sql: "UPDATE position SET size = 12") }
        try database.close()
        #expect(try run(["/bin/chmod", "-R", "a-w", directory]).status == 0)
        let before = try snapshot(directory)

        let counts = try asUnprivilegedUser(["query", directory, "SELECT rule, count(*) AS n FROM violations GROUP BY rule ORDER BY rule", "--json"])
        #expect(counts.status == 0, "\(counts.err)")
        #expect(counts.out == #"[{"n":1,"rule":"P1"},{"n":4,"rule":"P2"},{"n":1,"rule":"P4"},{"n":1,"rule":"P5"},{"n":1,"rule":"P6"},{"n":1,"rule":"P7"}]"# + "\n")
        #expect(counts.err.contains("\(directory) cannot be written, so its views.sqlite was not used or updated"), "\(counts.err)")
        let flows = try asUnprivilegedUser(["views", directory, "flows", "--json"])
        #expect(flows.status == 0, "\(flows.err)")
        #expect(try CanonicalJSONParser.parse(Array(flows.out.utf8.dropLast())).arrayValue?.count == 5)
        #expect(try snapshot(directory) == before, "a reading command changed the read-only ledger directory")
        // verify --views reads a private copy of the evidence: it works without write access, and
        // finds the stale file stale.
        let verify = try asUnprivilegedUser(["verify", directory, "--views"])
        #expect(verify.status == 1, "\(verify.out)\(verify.err)")
        #expect(verify.out.contains("the file is stale: it covers 12 of the log's 37 entries"), "\(verify.out)")
        #expect(verify.out.hasSuffix("verdict: views mismatch (exit 1)\n"))
        #expect(try snapshot(directory) == before, "verify --views changed the read-only ledger directory")
    }

    @Test func verifyViewsPassesForViewsTheLogImplies() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        #expect(try flowledger(["views", directory, "parties"]).status == 0)
        let result = try flowledger(["verify", directory, "--views"])
        #expect(result.status == 0, "\(result.out)")
        #expect(result.out.contains("views.sqlite: matches the log (20 entries, digest "))
    }

    @Test func verifyViewsDetectsAnEditedFile() throws {
        let directory = try fixtureCopy("policy")
        defer { removeCopy(directory) }
        #expect(try flowledger(["views", directory, "parties"]).status == 0)
        let queue = try DatabaseQueue(path: directory + "/views.sqlite")
        try queue.write { db in try db.execute(sql: "DELETE FROM violations WHERE rule = 'P6'") }
        let result = try flowledger(["verify", directory, "--views"])
        #expect(result.status == 1)
        #expect(result.out.contains("VIEWS MISMATCH: \(directory)/views.sqlite is not what the log implies; differing table: violations\n"))
        #expect(result.out.contains("its rows differ: it was edited"))
        #expect(result.out.hasSuffix("verdict: views mismatch (exit 1)\n"))
        #expect(result.out.components(separatedBy: "verdict: ").count == 2, "one verdict: \(result.out)")
        // --json: one document, whose verdict is the views' and whose views member says why.
        let json = try flowledger(["verify", directory, "--views", "--json"])
        #expect(json.status == 1)
        let document = try CanonicalJSONParser.parse(Array(json.out.utf8.dropLast()))
        #expect(document["verdict"] == .string("views mismatch") && document["exitCode"] == .integer(1), "\(json.out)")
        #expect(document["views"]?["holds"] == .bool(false) && document["views"]?["differing"] == .array([.string("violations")]))
        #expect(document["findings"]?.arrayValue?.count == 9, "the log's report is all there")
    }

    /// verify --views says what is wrong with a file that is not this ledger's views under this
    /// check: another ledger's, one built with another P7 window, one that is not a database.
    @Test func verifyViewsNamesAFileOfAnotherLedgerWindowOrFormat() throws {
        let directory = try fixtureCopy("intact")
        let other = try fixtureCopy("policy")
        defer { removeCopy(directory); removeCopy(other) }
        #expect(try flowledger(["views", other, "parties"]).status == 0)
        try FileManager.default.copyItem(atPath: other + "/views.sqlite", toPath: directory + "/views.sqlite")
        let foreign = try flowledger(["verify", directory, "--views"])
        #expect(foreign.status == 1)
        #expect(foreign.out.contains("views.sqlite belongs to another ledger (origin policy.fixtures.example/2026, genesis "), "\(foreign.out)")
        try FileManager.default.removeItem(atPath: directory + "/views.sqlite")
        #expect(try flowledger(["views", directory, "parties"]).status == 0)
        let window = try flowledger(["verify", directory, "--views", "--ack-window", "48h"])
        #expect(window.status == 1)
        #expect(window.out.contains("views.sqlite was built with a P7 window of 24h, this check uses 48h: compare them with --ack-window 24h"), "\(window.out)")
        try FileManager.default.removeItem(atPath: directory + "/views.sqlite")
        try Data("not a database, just text".utf8).write(to: URL(fileURLWithPath: directory + "/views.sqlite"))
        let garbage = try flowledger(["verify", directory, "--views"])
        #expect(garbage.status == 1)
        #expect(garbage.out.contains("VIEWS MISMATCH: \(directory)/views.sqlite: file is not a database: it is not a views database, or it is damaged"), "\(garbage.out)")
        #expect(garbage.out.hasSuffix("verdict: views mismatch (exit 1)\n"))
    }

    @Test func verifyViewsDetectsAStaleOrMissingFile() async throws {
        let ledger = try await RandomLedger(seed: 5)
        defer { ledger.removeAll() }
        try await ledger.grow(60)
        #expect(try flowledger(["views", ledger.directory, "flows"]).status == 0)
        try await ledger.grow(60)
        ledger.close()
        try? FileManager.default.removeItem(atPath: ledger.directory + "/writer.lock")
        let stale = try flowledger(["verify", ledger.directory, "--views"])
        #expect(stale.status == 1)
        #expect(stale.out.contains("the file is stale: it covers"))
        // A file of another layout (as an older flowledger wrote it) is named as such, not a SQL error.
        let database = try DatabaseQueue(path: ledger.directory + "/views.sqlite")
        try await database.write { db in try db.execute(sql: "UPDATE position SET schema_version = 3; ALTER TABLE exchanges DROP COLUMN event_id") }
        try database.close()
        let older = try flowledger(["verify", ledger.directory, "--views"])
        #expect(older.status == 1)
        #expect(older.out.contains("views.sqlite has schema version 3, this flowledger writes 4: it was made by another version"), "\(older.out)")
        try FileManager.default.removeItem(atPath: ledger.directory + "/views.sqlite")
        let missing = try flowledger(["verify", ledger.directory, "--views"])
        #expect(missing.status == 1)
        #expect(missing.out.contains("VIEWS MISSING"))
    }

    @Test func theDemoRunsTheWholeJob() throws {
        let work = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: work) }
        let directory = work.appendingPathComponent("city").path
        let demo = try flowledger(["demo", directory])
        #expect(demo.status == 0, "\(demo.err)")
        #expect(demo.out.contains("verify      intact: 40 signatures"))
        #expect(demo.out.contains("VIOLATIONS"))
        let views = try Projector(directory: directory).views
        #expect(try views.violations().map(\.rule) == ["P2", "P2", "P6", "P7"])
        #expect(try views.grants().first { $0.grant == "g-trips-b" }?.status == "revoked")
        #expect(try views.quality().count == 1)
        #expect(try views.flows().count == 6)
        let verify = try flowledger(["verify", directory, "--views"])
        #expect(verify.status == 3, "intact, with the scenario's violations, and views that match: \(verify.out)")
        let again = try flowledger(["demo", directory])
        #expect(again.status == 2)
        #expect(again.err.contains("already exists and is not empty"))
        // TEST-ONLY keys from the party names and a fixed clock: a second run writes the same
        // ledger and prints the same report (key ids and the views digest included).
        let second = work.appendingPathComponent("city-2").path
        let rerun = try flowledger(["demo", second])
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.replacingOccurrences(of: second, with: directory) == demo.out)
        #expect(try Data(contentsOf: URL(fileURLWithPath: second + "/log/00000000000000000000.jsonl"))
            == Data(contentsOf: URL(fileURLWithPath: directory + "/log/00000000000000000000.jsonl")))
    }
}

/// Runs `flowledger` as a user who cannot write the ledger copy: the test's own user if it is
/// not root, else `nobody` through setpriv (root writes anywhere). The binary is copied to a
/// directory anyone can read, since the build directory may not be.
private func asUnprivilegedUser(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    let place = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: place) }
    let binary = place.appendingPathComponent("flowledger").path
    // Written through a close-on-exec descriptor: a child that another test forks meanwhile must
    // not inherit it, or exec of the copy fails with "Text file busy".
    let bytes = try Data(contentsOf: URL(fileURLWithPath: flowledgerPath))
    let descriptor = open(binary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o755)
    #expect(descriptor >= 0)
    var written = 0
    bytes.withUnsafeBytes { raw in
        while written < raw.count {
            let count = Glibc.write(descriptor, raw.baseAddress! + written, raw.count - written)
            guard count > 0 else { break }
            written += count
        }
    }
    close(descriptor)
    #expect(written == bytes.count)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: place.path)
    let asUser = getuid() == 0 ? ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--"] : []
    let result = try run(asUser + ["/usr/bin/env", "COLUMNS=80", "TMPDIR=/tmp", binary] + arguments)
    return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
}

/// Every file under `directory` with its bytes, to show that nothing was written.
private func snapshot(_ directory: String) throws -> [String: Data] {
    var files: [String: Data] = [:]
    let enumerator = FileManager.default.enumerator(atPath: directory)
    while let name = enumerator?.nextObject() as? String {
        var isDirectory: ObjCBool = false
        FileManager.default.fileExists(atPath: directory + "/" + name, isDirectory: &isDirectory)
        files[name] = isDirectory.boolValue ? Data() : try Data(contentsOf: URL(fileURLWithPath: directory + "/" + name))
    }
    return files
}
