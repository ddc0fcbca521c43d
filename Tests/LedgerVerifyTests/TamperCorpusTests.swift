import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// The corpus in Fixtures/ledgers (scripts/gen-fixtures.sh): every tampered copy of the intact
/// ledger fails with the right rule at the right entry, the intact copy passes, the policy
/// ledger passes integrity with its findings, the reports are pinned byte for byte, and the
/// generator still writes exactly the committed bytes.
@Suite("Tampering corpus (LedgerVerifier, flowledger verify)")
struct TamperCorpusTests {
    static let ledgers = Fixtures.url("ledgers").path

    /// What each tampered copy must report, written by hand from what was done to it
    /// (Fixtures/ledgers/CORPUS.md), independently of the verifier's own output.
    struct Expectation: Sendable, CustomTestStringConvertible {
        let name: String
        let kind: String
        let file: String
        let line: Int?
        let seq: Int64?
        let eventID: String?
        var testDescription: String { name }
    }

    static let tampered: [Expectation] = [
        .init(name: "edited-body", kind: "badSignature", file: "log/00000000000000000007.jsonl", line: 3, seq: 9, eventID: "x-1"),
        .init(name: "edited-rechained", kind: "checkpointMismatch", file: "log/00000000000000000007.jsonl", line: 3, seq: 9, eventID: "x-1"),
        .init(name: "deleted-entry", kind: "sequenceGap", file: "log/00000000000000000007.jsonl", line: 4, seq: 11, eventID: "x-2"),
        .init(name: "swapped-entries", kind: "sequenceGap", file: "log/00000000000000000007.jsonl", line: 4, seq: 11, eventID: "x-2"),
        .init(name: "duplicated-entry", kind: "sequenceGap", file: "log/00000000000000000007.jsonl", line: 2, seq: 7, eventID: "cat-mobility"),
        .init(name: "truncated-below-checkpoint", kind: "truncatedBelowCheckpoint", file: "checkpoints/20.checkpoint", line: nil, seq: 17, eventID: nil),
        .init(name: "swapped-signatures", kind: "badSignature", file: "log/00000000000000000007.jsonl", line: 7, seq: 13, eventID: "x-3"),
        .init(name: "non-canonical", kind: "malformedLine", file: "log/00000000000000000000.jsonl", line: 6, seq: 5, eventID: nil),
        .init(name: "forged-tail", kind: "badSignature", file: "log/00000000000000000014.jsonl", line: 7, seq: 20, eventID: "x-forged"),
        .init(name: "time-backwards", kind: "timeWentBackwards", file: "log/00000000000000000014.jsonl", line: 2, seq: 15, eventID: "quality-1"),
        .init(name: "sequence-gap", kind: "sequenceGap", file: "log/00000000000000000014.jsonl", line: 3, seq: 17, eventID: "finding-1"),
        .init(name: "unknown-key", kind: "unknownKey", file: "log/00000000000000000007.jsonl", line: 5, seq: 11, eventID: "x-2"),
        .init(name: "altered-checkpoint", kind: "checkpointSignature", file: "checkpoints/13.checkpoint", line: nil, seq: nil, eventID: nil),
        .init(name: "rewritten-genesis", kind: "badSignature", file: "log/00000000000000000000.jsonl", line: 1, seq: 0, eventID: "genesis"),
        .init(name: "missing-segment", kind: "segmentLayout", file: "log/00000000000000000014.jsonl", line: 1, seq: 7, eventID: nil),
    ]

    static func verify(_ name: String, vkey: String = "intact.vkey") throws -> VerificationReport {
        var options = VerifyOptions()
        options.operatorKey = try VerifierKey(string: String(contentsOfFile: ledgers + "/" + vkey, encoding: .utf8).trimmingCharacters(in: .newlines))
        return try LedgerVerifier(directory: ledgers + "/" + name, options: options).run()
    }

    @Test(arguments: tampered)
    func everyTamperedCopyNamesTheEntryAndRuleBroken(_ expected: Expectation) throws {
        let report = try Self.verify("tampered/" + expected.name)
        #expect(report.verdict == .integrityBroken)
        let problem = try #require(report.firstBreak)
        #expect(problem.kind.name == expected.kind)
        #expect(problem.file == expected.file)
        #expect(problem.line == expected.line)
        #expect(problem.seq == expected.seq)
        #expect(problem.eventID == expected.eventID)
        #expect(!problem.meaning.isEmpty && !problem.detail.isEmpty)
    }

    @Test
    func theIntactCopyPassesWithEveryCheckpointMatching() throws {
        let report = try Self.verify("intact")
        #expect(report.verdict == .intact)
        #expect(report.entries == 20)
        #expect(report.segments == 3)
        #expect(report.signaturesChecked == 20)
        #expect(report.checkpoints.map(\.status) == [.matches, .matches])
        #expect(report.checkpoints.map(\.size) == [13, 20])
        #expect(report.findings.isEmpty)
    }

    @Test
    func thePolicyLedgerIsIntactAndListsEachBreach() throws {
        let report = try Self.verify("policy", vkey: "policy.vkey")
        #expect(report.firstBreak == nil)
        #expect(report.verdict == .policyViolations)
        let found = report.findings.map { "\($0.rule.code) \($0.exchange)" }
        #expect(found == ["P1 x-p1", "P2 x-p2-no-grant", "P2 x-p2-revoked", "P2 x-p2-expired", "P2 x-p2-fields", "P4 x-p4", "P5 x-p5", "P6 x-p6", "P7 x-p7"])
    }

    @Test
    func aHistoryRewrittenAfterTheOperatorSignedIsCaughtOnlyByTheCheckpoints() throws {
        let report = try Self.verify("tampered/edited-rechained")
        // Every entry still chains and every signature verifies: the author re-signed its own edit.
        #expect(report.replayComplete)
        #expect(report.signaturesChecked == 20)
        #expect(report.checkpoints.map(\.status) == [.rootMismatch, .rootMismatch])
        #expect(report.firstBreak?.meaning.contains("history was rewritten after the checkpoint") == true)
    }

    @Test
    func aVerifierKeyOfAnotherLedgerIsReportedBeforeAnythingIsTrusted() throws {
        let report = try Self.verify("intact", vkey: "policy.vkey")
        #expect(report.verdict == .integrityBroken)
        #expect(report.firstBreak?.kind == .operatorKeyMismatch)
        #expect(report.firstBreak?.file == "ledger.json")
    }

    // MARK: - The command line, byte for byte

    static let allLedgers = ["intact", "policy"] + tampered.map { "tampered/" + $0.name }

    @Test(arguments: allLedgers)
    func verifyPrintsThePinnedReportAndExitCode(_ name: String) throws {
        let vkey = Self.ledgers + (name == "policy" ? "/policy.vkey" : "/intact.vkey")
        let result = try run([flowledgerPath, "verify", Self.ledgers + "/" + name, "--vkey", vkey])
        let golden = try String(contentsOfFile: Self.ledgers + "/expected/\(name.replacingOccurrences(of: "tampered/", with: "")).txt", encoding: .utf8)
        let printed = String(decoding: result.stdout, as: UTF8.self).replacingOccurrences(of: Self.ledgers + "/", with: "Fixtures/ledgers/")
        #expect(printed == golden)
        #expect(result.stderr == "")
        #expect(result.status == (name == "intact" ? 0 : name == "policy" ? 3 : 1))
    }

    @Test
    func theGeneratorWritesExactlyTheCommittedCorpus() throws {
        let output = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: output) }
        let target = output.appendingPathComponent("ledgers").path
        let result = try run([productsDirectory + "/flowledger-fixtures", target, Fixtures.url("keys").path])
        #expect(result.status == 0, "\(result.stderr)")
        let committed = try Self.files(under: Self.ledgers)
        let generated = try Self.files(under: target)
        #expect(generated.keys.sorted() == committed.keys.sorted())
        for (path, bytes) in committed where generated[path] != bytes {
            Issue.record("Fixtures/ledgers/\(path) differs from what scripts/gen-fixtures.sh writes; regenerate and review the diff")
        }
    }

    private static func files(under root: String) throws -> [String: Data] {
        var out: [String: Data] = [:]
        guard let walker = FileManager.default.enumerator(atPath: root) else { return out }
        for case let path as String in walker {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: root + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
                out[path] = try Data(contentsOf: URL(fileURLWithPath: root + "/" + path))
            }
        }
        return out
    }
}
