import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `flowledger mirror URL DIR` against a real `flowledger serve`: a verified copy that is an
/// ordinary ledger directory, byte for byte the server's log, brought up to date run after run,
/// resumable after a kill, and a server that forks or rewrites its history caught.
@Suite(.serialized) struct MirrorTests {
    /// A served fixture ledger with a checkpoint published every 100 ms, and the auditor's key
    /// (a registered party) to sign the mirror's reads.
    struct Served {
        let fixture: ServiceFixture
        let server: ServedProcess
        let auditorKey: String
        let copy: String

        init() async throws {
            fixture = try await ServiceFixture()
            let operatorKey = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
            auditorKey = try fixture.keyFile(fixture.scenario.auditorKey, "auditor.pem")
            server = try await fixture.serve(["--operator-key", operatorKey, "--checkpoint-interval", "100ms"])
            copy = fixture.work + "/copy"
        }

        /// Appends exchanges `numbers` through the server and waits for a checkpoint covering them.
        func append(_ numbers: ClosedRange<Int>) async throws {
            let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
            _ = try await ledger.append(numbers.map { try fixture.scenario.exchange($0) }, wait: .checkpoint)
            await ledger.close()
        }

        func mirror(_ extra: [String] = []) async throws -> (status: Int32, out: String, err: String) {
            try await flowledgerAsync(["mirror", server.url, copy, "--key", auditorKey] + extra)
        }
    }

    @Test func aMirrorIsAVerifiedByteForByteCopyThatLaterRunsBringUpToDate() async throws {
        let served = try await Served()
        defer { served.fixture.scenario.removeAll() }
        defer { _ = served.server.stop() }
        try await served.append(1...2)

        let first = try await served.mirror()
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("10 entries (10 new, copy created)"), "\(first.out)")
        #expect(try directoryContents(served.copy + "/log") == directoryContents(served.fixture.directory + "/log"))
        let verified = try await flowledgerAsync(["verify", served.copy])
        #expect(verified.status == 0, "\(verified.out) \(verified.err)")
        #expect(try contents(served.copy + "/checkpoints/latest").contains("\n10\n"))
        #expect(try contents(served.copy + "/mirror/checkpoint").contains("\n10\n"))

        // Incremental: only what is new is fetched, and the copy is again the server's log.
        try await served.append(3...5)
        let second = try await served.mirror()
        #expect(second.status == 0, "\(second.err)")
        #expect(second.out.contains("13 entries (3 new)"), "\(second.out)")
        #expect(try directoryContents(served.copy + "/log") == directoryContents(served.fixture.directory + "/log"))
        // Nothing new: nothing fetched, still exit 0.
        let third = try await served.mirror()
        #expect(third.status == 0 && third.out.contains("13 entries (0 new)"), "\(third.out) \(third.err)")

        // An ordinary ledger directory: verify, prove and views work on it offline.
        #expect(try await flowledgerAsync(["verify", served.copy]).status == 0)
        let proof = try await flowledgerAsync(["prove", served.copy, "--seq", "11"])
        #expect(proof.status == 0 && proof.out.hasPrefix("c2sp.org/tlog-proof@v1\n"), "\(proof.err)")
        #expect(try await flowledgerAsync(["prove", served.copy, "--old", "10"]).status == 0)
        let views = try await flowledgerAsync(["views", served.copy, "exchanges", "--json"])
        #expect(views.status == 0 && views.out.contains("x-5"), "\(views.err)")

        // `report URL` mirrors into a temporary directory (or --mirror DIR), then reports on it.
        let page = served.fixture.work + "/report.html"
        let report = try await flowledgerAsync(["report", served.server.url, "--key", served.auditorKey, "--out", page,
                                                "--checked-at", "2026-12-01T09:00:00Z"])
        #expect(report.status == 0, "\(report.err)")
        #expect(report.err.contains("mirrored \(served.server.url): 13 entries (13 new)"), "\(report.err)")
        #expect(try contents(page).contains("13 signatures verified"))
        let kept = try await flowledgerAsync(["report", served.server.url, "--key", served.auditorKey, "--mirror", served.copy, "--out", page])
        #expect(kept.status == 0 && kept.err.contains("13 entries (0 new)"), "\(kept.err)")
    }

    @Test func aKilledMirrorGoesOnFromWhatIsDurable() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        // A ledger large enough that the mirror is still at work when it is killed.
        let signed = try fixture.scenario.writeSignedExchanges(count: 20000)
        let appended = try await flowledgerAsync(["append", fixture.directory, "--signed", signed])
        #expect(appended.status == 0, "\(appended.err)")
        let operatorKey = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        #expect(try await flowledgerAsync(["checkpoint", fixture.directory, "--key", operatorKey]).status == 0)
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let copy = fixture.work + "/copy"

        let child = try ChildProcess([flowledgerPath, "mirror", server.url, copy], directory: fixture.work)
        let segment = copy + "/log/00000000000000000000.jsonl"
        try await waitUntil("the mirror wrote its first entries") {
            ((try? FileManager.default.attributesOfItem(atPath: segment)[.size] as? Int) ?? 0) > 0
        }
        child.kill(SIGKILL)
        #expect(await child.exitCode() != 0, "the mirror ended before it was killed; nothing was resumed")
        // What the killed run left is a prefix of the server's log.
        let left = try Data(contentsOf: URL(fileURLWithPath: segment))
        let server0 = try Data(contentsOf: URL(fileURLWithPath: fixture.directory + "/log/00000000000000000000.jsonl"))
        #expect(left.count < server0.count && server0.starts(with: left))

        let rerun = try await flowledgerAsync(["mirror", server.url, copy])
        #expect(rerun.status == 0, "\(rerun.err)")
        #expect(rerun.out.contains("20008 entries"), "\(rerun.out)")
        #expect(try directoryContents(copy + "/log") == directoryContents(fixture.directory + "/log"))
        let verified = try await flowledgerAsync(["verify", copy])
        #expect(verified.status == 0, "\(verified.out) \(verified.err)")
    }

    @Test func aForkedServerFailsTheMirrorWhichKeepsTheCopyAndBothCheckpoints() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        // Two histories from one operator key: the original, and a fork that goes another way.
        let fork = try await fixture.fork()

        let copy = fixture.work + "/copy"
        do {
            let server = try await fixture.serve(["--public-read"])
            defer { _ = server.stop() }
            let first = try await flowledgerAsync(["mirror", server.url, copy])
            #expect(first.status == 0, "\(first.err)")
        }
        let before = try directoryContents(copy)
        let server = try await ServedProcess(ledger: fork, ["--public-read"], scratch: fixture.work)
        defer { _ = server.stop() }
        let second = try await flowledgerAsync(["mirror", server.url, copy])
        #expect(second.status == 1, "\(second.out) \(second.err)")
        #expect(second.err.contains("SPLIT VIEW"), "\(second.err)")
        // The copy is as it was; the two signed checkpoints are saved beside its memory.
        let after = try directoryContents(copy)
        let evidence = after.keys.filter { $0.hasPrefix("mirror/split-view-") }
        #expect(evidence.count == 1)
        #expect(after.filter { !$0.key.hasPrefix("mirror/split-view-") } == before)
        let saved = try contents(copy + "/" + evidence[0])
        #expect(saved.contains("\"reason\":\"inconsistent\""))
        #expect(saved.contains("\\n10\\n") && saved.contains("\\n11\\n"))
    }

    @Test func aServerThatServesAnotherEntryUnderAnIndexFailsTheMirror() async throws {
        let served = try await Served()
        defer { served.fixture.scenario.removeAll() }
        defer { _ = served.server.stop() }
        try await served.append(1...2)
        #expect(try await served.mirror().status == 0)
        let segment = served.fixture.directory + "/log/00000000000000000000.jsonl"

        // New entries, one of which the server's disk then changes (its signature no longer holds).
        try await served.append(3...4)
        try Self.tamper(segment, line: 11)
        let before = try directoryContents(served.copy)
        let refused = try await served.mirror()
        #expect(refused.status == 1, "\(refused.out) \(refused.err)")
        #expect(refused.err.contains("entry 11") && refused.err.contains("nothing of entries 10…11 was written"), "\(refused.err)")
        // Only the memory of the latest checkpoint verified moved on (to the new, validly signed
        // one): the log, its index and the copy's checkpoints are as they were.
        #expect(try Self.changed(served.copy, since: before) == ["mirror/checkpoint"])
        #expect(try contents(served.copy + "/checkpoints/latest").contains("\n10\n"))

        // An entry mirrored before, changed under the same index.
        try Self.tamper(segment, line: 11)  // back as it was
        try Self.tamper(segment, line: 9)
        let rewritten = try await served.mirror()
        #expect(rewritten.status == 1, "\(rewritten.out) \(rewritten.err)")
        #expect(rewritten.err.contains("a different entry under index 9"), "\(rewritten.err)")
        #expect(try Self.changed(served.copy, since: before) == ["mirror/checkpoint"])
    }

    /// The files under `directory` that differ from `before` (or are new).
    static func changed(_ directory: String, since before: [String: Data]) throws -> [String] {
        try directoryContents(directory).filter { before[$0.key] != $0.value }.keys.sorted()
    }

    /// Flips the case of one base64 letter of the signature of line `line` (0-based) of
    /// `segment`, in place: the same length, so the server's offsets still hold; twice undoes it.
    static func tamper(_ segment: String, line: Int) throws {
        var lines = try contents(segment).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let signature = try #require(lines[line].range(of: "\"sig\":\""))
        var characters = Array(lines[line])
        var at = lines[line].distance(from: lines[line].startIndex, to: signature.upperBound) + 3
        while !characters[at].isLetter { at += 1 }
        let letter = characters[at]
        characters[at] = letter.isUppercase ? Character(letter.lowercased()) : Character(letter.uppercased())
        lines[line] = String(characters)
        try Data(lines.joined(separator: "\n").utf8).write(to: URL(fileURLWithPath: segment))
    }
}
