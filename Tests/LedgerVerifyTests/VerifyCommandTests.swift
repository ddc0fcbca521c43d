import FlowLedger
import Foundation
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `flowledger verify` as a regulator runs it, beyond the corpus: usage errors, the JSON
/// document, verifying from a trusted checkpoint, requiring a witness's cosignature, a torn last
/// line. Real processes on copies of Fixtures/ledgers.
@Suite("flowledger verify command (Verify)")
final class VerifyCommandTests {
    private let work: String
    private let intact = Fixtures.url("ledgers/intact").path
    private let vkey = Fixtures.url("ledgers/intact.vkey").path

    init() throws { work = try temporaryDirectory().path }
    /// Tests that never use `work` leave nothing behind either (one suite value per test).
    deinit { try? FileManager.default.removeItem(atPath: work) }

    /// A writable copy of a corpus ledger.
    private func copy(_ name: String, as copyName: String = "copy") throws -> String {
        let target = work + "/" + copyName
        try FileManager.default.copyItem(atPath: Fixtures.url("ledgers/" + name).path, toPath: target)
        return target
    }

    /// A TEST-ONLY key copied to a file of mode 0600, as `flowledger` requires.
    private func key(_ name: String) throws -> String {
        let path = work + "/\(name).pem"
        try FileManager.default.copyItem(atPath: Fixtures.url("keys/TEST-ONLY-\(name).pem").path, toPath: path)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
        return path
    }

    @Test
    func aDirectoryThatIsNotALedgerIsAUsageErrorThatSaysSo() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try flowledger(["verify", work + "/nothing"])
        #expect(result.status == 2)
        #expect(result.out == "")
        #expect(result.err == "flowledger: error: \(work)/nothing: not a ledger directory (no ledger.json and no log/); give the directory `flowledger init` created\n")
    }

    @Test
    func badOptionsAreUsageErrorsNamingTheOption() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let window = try flowledger(["verify", intact, "--ack-window", "soon"])
        #expect(window.status == 2)
        #expect(window.err == "flowledger: error: --ack-window: \"soon\" is not a duration; write it as 500ms, 90s, 15m, 1h, 2d or 1h30m (a bare number is seconds)\n")
        let key = try flowledger(["verify", intact, "--vkey", "not+a+key"])
        #expect(key.status == 2)
        #expect(key.err.hasPrefix("flowledger: error: --vkey: "))
        let checkpoint = try flowledger(["verify", intact, "--vkey", vkey, "--from-checkpoint", work + "/missing.checkpoint"])
        #expect(checkpoint.status == 2)
        #expect(checkpoint.err == "flowledger: error: --from-checkpoint \(work)/missing.checkpoint: cannot read the file\n")
    }

    @Test
    func jsonGivesTheSameVerdictAsOneStableDocument() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try flowledger(["verify", Fixtures.url("ledgers/tampered/edited-body").path, "--vkey", vkey, "--json"])
        #expect(result.status == 1)
        let document = try #require(try JSONSerialization.jsonObject(with: Data(result.out.utf8)) as? [String: Any])
        #expect(document["verdict"] as? String == "broken")
        #expect(document["exitCode"] as? Int == 1)
        let problem = try #require(document["firstBreak"] as? [String: Any])
        #expect(problem["kind"] as? String == "badSignature")
        #expect(problem["rule"] as? Int == 2)
        #expect(problem["seq"] as? Int == 9)
        #expect(problem["file"] as? String == "log/00000000000000000007.jsonl")
        #expect(problem["line"] as? Int == 3)
        // Canonical JSON: one line, keys sorted, so the same ledger always gives the same bytes.
        let again = try flowledger(["verify", Fixtures.url("ledgers/tampered/edited-body").path, "--vkey", vkey, "--json"])
        #expect(again.out == result.out)
        #expect(result.out.filter { $0 == "\n" }.count == 1)
    }

    @Test
    func fromATrustedCheckpointOnlyLaterSignaturesAreCheckedAndTheRootIsRecomputed() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let trusted = Fixtures.url("ledgers/intact/checkpoints/13.checkpoint").path
        var options = VerifyOptions()
        options.operatorKey = try VerifierKey(string: String(contentsOfFile: vkey, encoding: .utf8).trimmingCharacters(in: .newlines))
        options.trustedCheckpoint = (trusted, Array(try Data(contentsOf: URL(fileURLWithPath: trusted))))
        let report = try LedgerVerifier(directory: intact, options: options).run()
        #expect(report.verdict == .intact)
        #expect(report.trustedSize == 13)
        #expect(report.signaturesChecked == 7)
        #expect(report.entries == 20)

        // The same trusted checkpoint against a history rewritten below it.
        let rewritten = try LedgerVerifier(directory: Fixtures.url("ledgers/tampered/edited-rechained").path, options: options).run()
        #expect(rewritten.verdict == .integrityBroken)
        #expect(rewritten.firstBreak?.kind == .checkpointMismatch)
        #expect(rewritten.firstBreak?.seq == 12)
        #expect(rewritten.firstBreak?.meaning.contains("the checkpoint you trusted") == true)

        let cli = try flowledger(["verify", intact, "--vkey", vkey, "--from-checkpoint", trusted])
        #expect(cli.status == 0)
        #expect(cli.out.contains("entries     20 in 3 segments; 7 signatures checked; the first 13 checked against the trusted checkpoint's root\n"))
    }

    @Test
    func aRequiredWitnessMustHaveCosignedTheLatestCheckpoint() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try copy("intact")
        let witnessKey = try key("witness")
        let state = work + "/witness-state.json"
        let initialised = try flowledger(["witness", "init", "--key", witnessKey, "--name", "witness.regulator.example", "--state", state])
        #expect(initialised.status == 0, "\(initialised.err)")
        let witnessVkey = try #require(initialised.out.split(separator: "\n").last(where: { $0.contains("+") }).map { String($0.split(separator: " ").last!) })

        let unwitnessed = try flowledger(["verify", ledger, "--vkey", vkey, "--witness-key", witnessVkey])
        #expect(unwitnessed.status == 1)
        #expect(unwitnessed.out.contains("broken    missingCosignature, field cosignature\n"))

        let cosigned = work + "/cosigned.checkpoint"
        let cosign = try flowledger(["witness", "cosign", "--state", state, "--key", witnessKey, "--vkey", vkey,
                                     "--checkpoint", ledger + "/checkpoints/20.checkpoint", "--out", cosigned])
        #expect(cosign.status == 0, "\(cosign.err)")
        for name in ["20.checkpoint", "latest"] {
            try FileManager.default.removeItem(atPath: ledger + "/checkpoints/" + name)
            try FileManager.default.copyItem(atPath: cosigned, toPath: ledger + "/checkpoints/" + name)
        }
        let witnessed = try flowledger(["verify", ledger, "--vkey", vkey, "--witness-key", witnessVkey])
        #expect(witnessed.status == 0, "\(witnessed.out)")
        #expect(witnessed.out.contains("checkpoint  checkpoints/20.checkpoint: size 20, root matches; cosigned by witness.regulator.example\n"))
    }

    /// `checkpoints/latest` put back to an older checkpoint, or left dangling: a note that says
    /// so and how to restore it, not a pass in silence, nor a "forged" checkpoint for a file
    /// that cannot be read (the log itself is intact: exit 0).
    @Test
    func aStaleOrUnreadableLatestCheckpointIsNotedWithHowToRestoreIt() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try copy("intact")
        let latest = ledger + "/checkpoints/latest"
        try FileManager.default.removeItem(atPath: latest)
        try FileManager.default.copyItem(atPath: ledger + "/checkpoints/13.checkpoint", toPath: latest)
        let stale = try flowledger(["verify", ledger, "--vkey", vkey])
        #expect(stale.status == 0, "\(stale.out)")
        #expect(stale.out.contains("note        checkpoints/latest is a copy of 13.checkpoint, older than the largest published (20.checkpoint)"), "\(stale.out)")
        #expect(stale.out.contains("restore it with `cp \(ledger)/checkpoints/20.checkpoint \(latest)`"), "\(stale.out)")

        try FileManager.default.removeItem(atPath: latest)
        try FileManager.default.createSymbolicLink(atPath: latest, withDestinationPath: "/nonexistent")
        let dangling = try flowledger(["verify", ledger, "--vkey", vkey])
        #expect(dangling.status == 0, "\(dangling.out)")
        #expect(!dangling.out.contains("NOT SIGNED"), "\(dangling.out)")
        #expect(dangling.out.contains("note        checkpoints/latest is missing or cannot be read (a dangling link, a directory?), while 20.checkpoint is published"), "\(dangling.out)")

        // A FIFO in its place once made verify wait for a writer for ever (bounded here by timeout).
        try FileManager.default.removeItem(atPath: latest)
        #expect(mkfifo(latest, 0o600) == 0)
        let fifo = try run(["/usr/bin/timeout", "60", flowledgerPath, "verify", ledger, "--vkey", vkey])
        let fifoOut = String(decoding: fifo.stdout, as: UTF8.self)
        #expect(fifo.status == 0, "\(fifoOut)\(fifo.stderr)")
        #expect(fifoOut.contains("note        checkpoints/latest is missing or cannot be read"), "\(fifoOut)")
    }

    @Test
    func aTornLastLineIsNotedAndNotCounted() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try copy("intact")
        let segment = ledger + "/log/00000000000000000014.jsonl"
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: segment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(#"{"event":{"at":"#.utf8))
        try handle.close()
        let result = try flowledger(["verify", ledger, "--vkey", vkey])
        #expect(result.status == 0)
        #expect(result.out.contains("note        log/00000000000000000014.jsonl ends with 15 bytes that are not a complete line: a write torn by a crash, never acknowledged (the writer cuts it when it next opens the ledger); not counted\n"))

        // The same bytes at the end of a segment that is not the last are damage.
        let middle = try copy("intact", as: "middle")
        let earlier = middle + "/log/00000000000000000007.jsonl"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: earlier))
        try (bytes + Data(#"{"event":{"at":"#.utf8)).write(to: URL(fileURLWithPath: earlier))
        let damaged = try flowledger(["verify", middle, "--vkey", vkey])
        #expect(damaged.status == 1)
        #expect(damaged.out.contains("INTEGRITY BROKEN at log/00000000000000000007.jsonl (seq 14)\n"))
    }

    @Test
    func withoutVkeyTheReportSaysWhatItTrusted() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let result = try flowledger(["verify", intact])
        #expect(result.status == 0)
        #expect(result.out.contains("(read from ledger.json; pass --vkey to check against the key you were given)\n"))
    }

    @Test
    func anSM2LedgerVerifiesWithSM3HashesAndSM2Signatures() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        func keygen(_ name: String) throws -> String {
            let result = try flowledger(["keygen", "--suite", "sm2-sm3", "--out", work + "/\(name).pem"])
            #expect(result.status == 0, "\(result.err)")
            return String(result.out.split(separator: "\n")[0].dropFirst(4))
        }
        _ = try keygen("operator")
        let tax = try keygen("tax")
        let market = try keygen("market")
        let ledger = work + "/sm2"
        #expect(try flowledger(["init", ledger, "--origin", "sm2.test.example/2026", "--operator-key", work + "/operator.pem", "--operator-id", "ops"]).status == 0)
        let registrations = """
            {"type":"party.registered","id":"r-tax","body":{"party":"tax.sh","name":"Tax","kind":"government","roles":["provider"],"key":"\(tax)"}}
            {"type":"party.registered","id":"r-market","body":{"party":"market.sh","name":"Market","kind":"government","roles":["recipient"],"key":"\(market)"}}

            """
        #expect(try flowledger(["append", ledger, "--key", work + "/operator.pem", "--author", "ops"], stdin: registrations).status == 0)
        let exchange = """
            {"type":"dataset.cataloged","id":"c-1","body":{"dataset":"register","title":"Register","sharing":"open","level":"general","fields":["id","name"]}}
            {"type":"exchange.sent","id":"x-1","body":{"exchange":"x-1","dataset":"register","recipient":"market.sh","purpose":"supervision","fields":["id"],"records":5,"bytes":50,"digest":"\(String(repeating: "ab", count: 32))"}}

            """
        #expect(try flowledger(["append", ledger, "--key", work + "/tax.pem", "--author", "tax.sh"], stdin: exchange).status == 0)
        #expect(try flowledger(["checkpoint", ledger, "--key", work + "/operator.pem"]).status == 0)
        let vkey = try flowledger(["vkey", ledger]).out.trimmingCharacters(in: .newlines)

        let intact = try flowledger(["verify", ledger, "--vkey", vkey])
        #expect(intact.status == 0, "\(intact.out)\(intact.err)")
        #expect(intact.out.contains("(sm2.test.example/2026, sm2-sm3)"))
        #expect(intact.out.contains("entries     5 in 1 segment; 5 signatures checked\n"))
        #expect(intact.out.contains("size 5, root matches"))

        // One byte of the exchange's body changed: its SM2 signature no longer verifies.
        let segment = ledger + "/log/00000000000000000000.jsonl"
        let text = try contents(segment)
        try write(text.replacingOccurrences(of: "\"records\":5", with: "\"records\":6"), to: segment)
        let tampered = try flowledger(["verify", ledger, "--vkey", vkey])
        #expect(tampered.status == 1)
        #expect(tampered.out.contains("INTEGRITY BROKEN at log/00000000000000000000.jsonl line 5 (seq 4, event \"x-1\" by tax.sh)\n"))
        #expect(tampered.out.contains("  broken    rule 2 (badSignature), field sig\n"))
    }

    @Test
    func onATerminalAProgressLineGoesToStderrAndIsClearedBeforeTheReport() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        // `script` gives the command a pseudo-terminal; its stdout then carries both streams.
        let command = "\(flowledgerPath) verify \(intact) --vkey \(vkey)"
        let onTerminal = try run(["script", "-qec", command, "/dev/null"])
        let text = String(decoding: onTerminal.stdout, as: UTF8.self)
        #expect(onTerminal.status == 0)
        #expect(text.contains("\rverifying: 20 entries (100% of the log)"))
        #expect(text.contains("\r\u{1B}[K"))
        // Not on a terminal: no progress line at all.
        let piped = try flowledger(["verify", intact, "--vkey", vkey])
        #expect(!piped.err.contains("verifying"))
    }

    @Test
    func withoutTheDerivedIndexARewriteIsStillBoundedByTheCheckpoints() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try copy("tampered/edited-rechained")
        try FileManager.default.removeItem(atPath: ledger + "/index")
        var options = VerifyOptions()
        options.operatorKey = try VerifierKey(string: String(contentsOfFile: vkey, encoding: .utf8).trimmingCharacters(in: .newlines))
        let report = try LedgerVerifier(directory: ledger, options: options).run()
        let problem = try #require(report.firstBreak)
        #expect(problem.kind == .checkpointMismatch)
        #expect(problem.file == "checkpoints/13.checkpoint")
        #expect(problem.seq == nil)
        #expect(problem.meaning.contains("the first changed entry is among entries 0…12"))
        #expect(!problem.meaning.contains("index/hashes"))
    }
}
