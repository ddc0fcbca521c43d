import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `verify --remember FILE` and `report --remember FILE`: a verification remembers what it
/// proved (size and root) and the next one verifies only the new entries' signatures, while
/// still recomputing the root of the rest, reporting every finding, and refusing a record of
/// another ledger, another key, a damaged record, or one kept inside the ledger directory.
@Suite("remembered verifications (VerifiedPrefix)")
final class RememberedVerificationTests {
    private let work: String
    private let intact = Fixtures.url("ledgers/intact").path
    private let vkey = Fixtures.url("ledgers/intact.vkey").path

    init() throws { work = try temporaryDirectory().path }
    deinit { try? FileManager.default.removeItem(atPath: work) }

    private func options(vkeyFile: String) throws -> VerifyOptions {
        var options = VerifyOptions()
        options.operatorKey = try VerifierKey(string: String(contentsOfFile: vkeyFile, encoding: .utf8).trimmingCharacters(in: .newlines))
        return options
    }

    /// The intact ledger's checkpoint of `size` entries.
    private func checkpoint(_ size: Int) throws -> Checkpoint {
        let bytes = Array(try Data(contentsOf: Fixtures.url("ledgers/intact/checkpoints/\(size).checkpoint")))
        return try Checkpoint.open(bytes, verifiers: [try options(vkeyFile: vkey).operatorKey!], origin: nil).checkpoint
    }

    @Test
    func aSecondVerificationChecksOnlyTheNewSignaturesAndRecomputesTheRoot() throws {
        let memory = work + "/intact.verified"
        let first = try flowledger(["verify", intact, "--vkey", vkey, "--remember", memory])
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.contains("entries     20 in 3 segments; 20 signatures checked\n"))
        let record = try VerifiedPrefix(text: Array(try Data(contentsOf: URL(fileURLWithPath: memory))), source: memory)
        #expect(record.size == 20)
        #expect(record.root == (try checkpoint(20)).root)
        #expect(record.operatorKey == (try options(vkeyFile: vkey)).operatorKey?.string)

        let second = try flowledger(["verify", intact, "--vkey", vkey, "--remember", memory, "--json"])
        #expect(second.status == 0, "\(second.err)")
        let document = try #require(try JSONSerialization.jsonObject(with: Data(second.out.utf8)) as? [String: Any])
        #expect(document["signaturesChecked"] as? Int == 0)
        #expect(document["trustedSize"] as? Int == 20)
        #expect((document["remembered"] as? [String: Any])?["source"] as? String == memory)

        // A verification without --remember has no "remembered" key: other documents are unchanged.
        let plain = try flowledger(["verify", intact, "--vkey", vkey, "--json"])
        #expect(!plain.out.contains("\"remembered\""))
    }

    @Test
    func aRememberedPrefixBelowTheEndVerifiesTheRestAndReportsEveryFinding() throws {
        let policy = Fixtures.url("ledgers/policy").path
        let options = try options(vkeyFile: Fixtures.url("ledgers/policy.vkey").path)
        let full = try LedgerVerifier(directory: policy, options: options).run()
        #expect(full.verdict == .policyViolations)
        let proved = try #require(full.proved)
        #expect(proved.size == full.entries)

        // What a verification of the first 20 entries would have remembered: their root.
        var first20 = options
        first20.verifiedBefore = VerifiedPrefix(origin: proved.origin, suite: proved.suite, operatorKey: proved.operatorKey,
                                                size: 20, root: try rootOfFirst(20, in: policy), checkedAt: "2026-12-01T00:00:00Z")
        let resumed = try LedgerVerifier(directory: policy, options: first20).run()
        #expect(resumed.verdict == .policyViolations)
        #expect(resumed.signaturesChecked == full.entries - 20)
        #expect(resumed.findings == full.findings)  // every finding, those among the first 20 too
        #expect(resumed.proved?.root == proved.root)
        #expect(resumed.text.contains("; the first 20 checked against the root remembered in memory from the verification of 2026-12-01T00:00:00Z, their signatures not verified again\n"))
    }

    @Test
    func theSavedStateLetsTheNextVerificationGoOnWithoutReplayingAndGivesTheSameFindings() throws {
        // A copy of the policy ledger cut after 20 entries (no checkpoints, no index): what the
        // log looked like yesterday. Verifying it leaves a record and its state at 20.
        let policy = Fixtures.url("ledgers/policy").path
        let policyVkey = Fixtures.url("ledgers/policy.vkey").path
        let yesterday = work + "/yesterday"
        try FileManager.default.createDirectory(atPath: yesterday + "/log", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: yesterday + "/checkpoints", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: policy + "/ledger.json", toPath: yesterday + "/ledger.json")
        let segment = "/log/00000000000000000000.jsonl"
        let lines = try Data(contentsOf: URL(fileURLWithPath: policy + segment)).split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        try Data(lines.prefix(20).joined(separator: [UInt8(ascii: "\n")]) + [UInt8(ascii: "\n")]).write(to: URL(fileURLWithPath: yesterday + segment))
        let memory = work + "/policy.verified"
        let first = try flowledger(["verify", yesterday, "--vkey", policyVkey, "--remember", memory])
        #expect(first.status == 0 || first.status == 3, "\(first.out)\(first.err)")
        #expect(first.out.contains("entries     20 in 1 segment; 20 signatures checked\n"), "\(first.out)")
        let state = memory + ".state"
        #expect((try FileManager.default.attributesOfItem(atPath: state)[.posixPermissions] as? Int) == 0o600)
        #expect(try String(contentsOfFile: memory, encoding: .utf8).contains("\nstate \(HashAlgorithm.sha256.hash(Array(try Data(contentsOf: URL(fileURLWithPath: state)))).hex)\n"))

        // Today: the whole ledger, from the record and its state.
        let full = try flowledger(["verify", policy, "--vkey", policyVkey, "--json"])
        let resumed = try flowledger(["verify", policy, "--vkey", policyVkey, "--json", "--remember", memory])
        #expect(resumed.status == 3, "\(resumed.out)\(resumed.err)")
        let fullDocument = try #require(try JSONSerialization.jsonObject(with: Data(full.out.utf8)) as? [String: Any])
        let document = try #require(try JSONSerialization.jsonObject(with: Data(resumed.out.utf8)) as? [String: Any])
        #expect(document["signaturesChecked"] as? Int == 17)
        #expect(document["notes"] as? [String] == fullDocument["notes"] as? [String])  // no note: the state was used
        #expect((document["findings"] as? [Any])?.count == (fullDocument["findings"] as? [Any])?.count)
        #expect(resumed.out.contains(#""findings":"#) && full.out.components(separatedBy: #""findings":"#).last?.components(separatedBy: #""notes":"#).first
                == resumed.out.components(separatedBy: #""findings":"#).last?.components(separatedBy: #""notes":"#).first)
        #expect(try VerifiedPrefix.read(memory)?.size == 37)

        // A state changed since it was saved is set aside: the entries are replayed, same verdict.
        #expect(try flowledger(["verify", policy, "--vkey", policyVkey, "--remember", memory]).status == 3)
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: state)))
        bytes[bytes.count / 2] ^= 1
        try Data(bytes).write(to: URL(fileURLWithPath: state))
        let setAside = try flowledger(["verify", policy, "--vkey", policyVkey, "--remember", memory])
        #expect(setAside.status == 3)
        #expect(setAside.out.contains("is not the state \(memory) names (its SHA-256 differs): it was changed or replaced; the first 37 entries were replayed for state instead"), "\(setAside.out)")
        // … and saved anew; another P7 window sets it aside too.
        #expect(!(try flowledger(["verify", policy, "--vkey", policyVkey, "--remember", memory])).out.contains("set aside"))
        let window = try flowledger(["verify", policy, "--vkey", policyVkey, "--remember", memory, "--ack-window", "1h"])
        #expect(window.out.contains("was saved with another P7 window (--ack-window), so its state was set aside"), "\(window.out)")
    }

    @Test
    func aHistoryRewrittenBelowTheRememberedRootIsABreakAndTheRecordIsKept() throws {
        let memory = work + "/intact.verified"
        #expect(try flowledger(["verify", intact, "--vkey", vkey, "--remember", memory]).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: memory))
        // The rewritten copy is verified in full, signatures included, and names the same first
        // break a full verification names, with a note on the remembered root.
        let tampered = Fixtures.url("ledgers/tampered/edited-rechained").path
        let rewritten = try flowledger(["verify", tampered, "--vkey", vkey, "--remember", memory])
        let full = try flowledger(["verify", tampered, "--vkey", vkey])
        #expect(rewritten.status == 1)
        let firstBreak = { (out: String) in out.components(separatedBy: "INTEGRITY BROKEN").last?.components(separatedBy: "\nverdict").first }
        #expect(firstBreak(rewritten.out) == firstBreak(full.out), "\(rewritten.out)")
        #expect(rewritten.out.contains("note        the first 20 entries no longer hash to the root remembered in \(memory)"), "\(rewritten.out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: memory)) == before)

        // The insider's rewrite with its checkpoints gone: it breaks no rule, so a full
        // verification finds nothing; the remembered root is the evidence.
        let insider = work + "/insider"
        try FileManager.default.copyItem(atPath: tampered, toPath: insider)
        try FileManager.default.removeItem(atPath: insider + "/checkpoints")
        try FileManager.default.createDirectory(atPath: insider + "/checkpoints", withIntermediateDirectories: false)
        #expect(try flowledger(["verify", insider, "--vkey", vkey]).status == 3)  // intact, with the P6 finding the edit made
        let caught = try flowledger(["verify", insider, "--vkey", vkey, "--remember", memory])
        #expect(caught.status == 1)
        #expect(caught.out.contains("broken    checkpointMismatch, field root\n") && caught.out.contains("history was rewritten since you verified it"), "\(caught.out)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: memory)) == before)
    }

    @Test
    func aRecordOfAnotherLedgerKeyOrShapeIsRefusedWithWhatToDo() throws {
        let memory = work + "/policy.verified"
        let policy = Fixtures.url("ledgers/policy").path
        #expect(try flowledger(["verify", policy, "--remember", memory]).status == 3)
        let otherLedger = try flowledger(["verify", intact, "--vkey", vkey, "--remember", memory])
        #expect(otherLedger.status == 2)
        #expect(otherLedger.err.contains("remembers a verification of") && otherLedger.err.contains("give each ledger its own --remember file"), "\(otherLedger.err)")

        // The same ledger under another operator key than the one remembered.
        let copy = work + "/intact-copy"
        try FileManager.default.copyItem(atPath: intact, toPath: copy)
        let intactMemory = work + "/intact.verified"
        #expect(try flowledger(["verify", copy, "--vkey", vkey, "--remember", intactMemory]).status == 0)
        var text = try String(contentsOfFile: intactMemory, encoding: .utf8)
        let keyLine = try #require(text.split(separator: "\n").first { $0.hasPrefix("operator ") })
        text = text.replacingOccurrences(of: String(keyLine), with: "operator someone.else+00000000+AAAA")
        try text.write(toFile: intactMemory, atomically: true, encoding: .utf8)
        let otherKey = try flowledger(["verify", copy, "--vkey", vkey, "--remember", intactMemory])
        #expect(otherKey.status == 2)
        #expect(otherKey.err.contains("remembers a verification under the operator key someone.else+00000000+AAAA"), "\(otherKey.err)")
        // Without --vkey the key is read from ledger.json: one that changed since is a break.
        let rekeyed = try flowledger(["verify", copy, "--remember", intactMemory])
        #expect(rekeyed.status == 1)
        #expect(rekeyed.out.contains("broken    operatorKeyMismatch, field operatorKey\n") && rekeyed.out.contains("it was re-keyed since"), "\(rekeyed.out)")

        try "flowledger verified prefix v1\norigin x\nsuite ed25519-sha256\noperator k\nsize many\nroot 00\nwindow 1\nstate none\nchecked now\n"
            .write(toFile: intactMemory, atomically: true, encoding: .utf8)
        let damaged = try flowledger(["verify", copy, "--remember", intactMemory])
        #expect(damaged.status == 2)
        #expect(damaged.err == "flowledger: error: \(intactMemory) line 5: size \"many\" is not a count of entries; this is not a record `--remember` wrote. Give another file, or delete it to verify every signature again\n")

        let inside = try flowledger(["verify", copy, "--remember", copy + "/verified"])
        #expect(inside.status == 2)
        #expect(inside.err.contains("lies inside the ledger directory"))
        #expect(!FileManager.default.fileExists(atPath: copy + "/verified"))

        let both = try flowledger(["verify", copy, "--remember", intactMemory, "--from-checkpoint", copy + "/checkpoints/13.checkpoint"])
        #expect(both.status == 2)
        #expect(both.err.contains("--from-checkpoint and --remember both say where to start; give one of them"))
    }

    @Test
    func theReportSaysWhatItTookFromTheRecord() throws {
        let memory = work + "/intact.verified"
        let page = work + "/report.html"
        let copy = work + "/intact-copy"
        try FileManager.default.copyItem(atPath: intact, toPath: copy)
        let first = try flowledger(["report", copy, "--vkey", vkey, "--remember", memory, "--out", page, "--checked-at", "2026-11-30T09:00:00Z"])
        #expect(first.status == 0, "\(first.err)")
        #expect(!(try String(contentsOfFile: page, encoding: .utf8)).contains("remembered from earlier verifications"))
        let second = try flowledger(["report", copy, "--vkey", vkey, "--remember", memory, "--out", page, "--checked-at", "2026-11-30T09:00:00Z"])
        #expect(second.status == 0, "\(second.err)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.contains("20 first entries checked only against the root remembered from earlier verifications by this tool, which verified their signatures; the latest ran at"))
        #expect(html.contains("0 signatures verified"))
    }

    /// MTH(D[0:n]) of the ledger's first `n` lines, computed here from the segment files.
    private func rootOfFirst(_ n: Int, in directory: String) throws -> Hash32 {
        let log = directory + "/log"
        var lines: [[UInt8]] = []
        for name in try FileManager.default.contentsOfDirectory(atPath: log).sorted() where name.hasSuffix(".jsonl") {
            let data = try Data(contentsOf: URL(fileURLWithPath: log + "/" + name))
            lines += data.split(separator: UInt8(ascii: "\n")).map { Array($0) }
        }
        return MerkleTree.rootHash(leafHashes: lines.prefix(n).map { Entry.leafHash(line: $0, hash: .sha256) }, hash: .sha256)
    }
}
