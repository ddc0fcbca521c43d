import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

/// The one replay engine (ReplayEngine) on the fixture ledgers of Fixtures/ledgers: each
/// signature policy on a forged entry, break locations in segment files and in a source that
/// knows only seqs, and the segment files' structure (a torn last line, a torn middle segment, a
/// missing segment).
@Suite("Replay engine (ReplayEngine, SegmentFileSource)")
struct ReplayEngineTests {
    static let ledgers = Fixtures.url("ledgers").path

    /// Replays the segment files of fixture `name` under `policy`; the outcome, the engine after
    /// it, and the seqs handed on.
    private func replay(_ name: String, _ policy: SignaturePolicy, trustedBelow: Int64 = 0, directory: String? = nil) throws
        -> (outcome: ReplayOutcome, engine: ReplayEngine, handed: [Int64]) {
        let layout = LedgerLayout(directory: directory ?? Self.ledgers + "/" + name)
        let manifest = try LedgerManifest.read(layout)
        var engine = ReplayEngine(manifest: manifest, signatures: policy, trustedBelow: trustedBelow)
        var source = SegmentFileSource(layout: layout)
        var handed: [Int64] = []
        let outcome = try engine.run(from: &source) { applied in
            handed.append(applied.seq)
            return .proceed
        }
        return (outcome, engine, handed)
    }

    /// The lines of fixture `name`'s segments, in order, as a store without files would hold them.
    private func lines(_ name: String) throws -> [[UInt8]] {
        let log = Self.ledgers + "/" + name + "/log"
        return try FileManager.default.contentsOfDirectory(atPath: log).sorted().flatMap { file in
            try Data(contentsOf: URL(fileURLWithPath: log + "/" + file)).split(separator: 0x0a).map { Array($0) }
        }
    }

    /// A private copy of fixture `name`, removed by the caller.
    private func copy(_ name: String) throws -> String {
        let directory = try temporaryDirectory().appendingPathComponent(name).path
        try FileManager.default.copyItem(atPath: Self.ledgers + "/" + name, toPath: directory)
        return directory
    }

    private func append(_ bytes: String, to path: String) throws {
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes.utf8))
        try handle.close()
    }

    // MARK: - Signature policies

    @Test
    func anIntactLedgerReplaysToItsEndWithEverySignatureChecked() throws {
        let (outcome, engine, handed) = try replay("intact", .checkAsItGoes)
        guard case .finished(.complete) = outcome else { Issue.record("expected the end, got \(outcome)"); return }
        #expect(engine.size == 20)
        #expect(engine.signaturesChecked == 20)
        #expect(handed == Array(0..<20))
    }

    @Test
    func aForgedSignatureIsABreakWhenCheckedAsItGoes() throws {
        let (outcome, engine, handed) = try replay("tampered/forged-tail", .checkAsItGoes)
        guard case .broken(.rule(let violation, let broken)) = outcome else { Issue.record("expected a rule break, got \(outcome)"); return }
        #expect(violation.code == .badSignature)
        #expect(broken.location == .segment("log/00000000000000000014.jsonl", line: 7, offset: broken.location.offset ?? -1, seq: 20))
        #expect(broken.entry.event.id == "x-forged")
        #expect(engine.size == 20)
        #expect(handed.count == 20)
    }

    @Test
    func aForgedSignatureIsABreakWhenCheckedAfterwardsAndNoEntryOfItsBatchIsHandedOnPastIt() throws {
        let (outcome, _, handed) = try replay("tampered/forged-tail", .checkAfterwards)
        guard case .broken(.rule(let violation, let broken)) = outcome else { Issue.record("expected a rule break, got \(outcome)"); return }
        #expect(violation.code == .badSignature)
        #expect(violation.field == "sig")
        #expect(broken.location.seq == 20)
        #expect(broken.location.line == 7)
        #expect(handed == Array(0..<20))
    }

    @Test
    func aForgedSignaturePassesWhenSkippedOrTrusted() throws {
        let (skipped, engine, _) = try replay("tampered/forged-tail", .skip)
        guard case .finished(.complete) = skipped else { Issue.record("expected the end, got \(skipped)"); return }
        #expect(engine.size == 21)
        #expect(engine.signaturesChecked == 0)
        let (trusted, trustedEngine, _) = try replay("tampered/forged-tail", .checkAsItGoes, trustedBelow: 21)
        guard case .finished(.complete) = trusted else { Issue.record("expected the end, got \(trusted)"); return }
        #expect(trustedEngine.size == 21)
    }

    @Test
    func laterRunsReturnTheFirstBreakAgain() throws {
        let (outcome, finished, _) = try replay("tampered/forged-tail", .checkAsItGoes)
        var engine = finished
        var source = LineArraySource([], firstSeq: 21)
        let again = engine.run(from: &source) { _ in .proceed }
        guard case .broken(.rule(let first, _)) = outcome, case .broken(.rule(let second, _)) = again else {
            Issue.record("expected the same break twice, got \(outcome) then \(again)"); return
        }
        #expect(first == second)
    }

    // MARK: - Where breaks are

    @Test
    func aBreakInASegmentFileIsLocatedByFileAndLine() throws {
        let (outcome, _, _) = try replay("tampered/non-canonical", .checkAsItGoes)
        guard case .broken(.malformedLine(_, let at)) = outcome else { Issue.record("expected a malformed line, got \(outcome)"); return }
        #expect(at.file == "log/00000000000000000000.jsonl")
        #expect(at.line == 6)
        #expect(at.seq == 5)
        #expect(at.offset != nil)
    }

    @Test
    func aBreakInASourceWithoutFilesIsLocatedBySeqAlone() throws {
        let manifest = try LedgerManifest.read(LedgerLayout(directory: Self.ledgers + "/tampered/non-canonical"))
        var engine = ReplayEngine(manifest: manifest, signatures: .checkAsItGoes)
        var source = LineArraySource(try lines("tampered/non-canonical"), firstSeq: 0)
        let outcome = engine.run(from: &source) { _ in .proceed }
        guard case .broken(.malformedLine(_, let at)) = outcome else { Issue.record("expected a malformed line, got \(outcome)"); return }
        #expect(at == .seq(5))
        #expect(at.description == "entry 5")
    }

    @Test
    func aChainOnlyReplayResumesMidLogAndStopsWhereTimeGoesBackwards() throws {
        let all = try lines("tampered/time-backwards")
        let hash = Suite.ed25519SHA256.hash
        var engine = ReplayEngine(origin: "x", hash: hash, rules: .chain(ChainLink(size: 10, lastLeafHash: Entry.leafHash(line: all[9], hash: hash))), signatures: .skip)
        var source = LineArraySource(Array(all[10...]), firstSeq: 10)
        let outcome = engine.run(from: &source) { _ in .proceed }
        guard case .broken(.rule(let violation, let broken)) = outcome else { Issue.record("expected a rule break, got \(outcome)"); return }
        #expect(violation.code == .timeWentBackwards)
        #expect(broken.location == .seq(15))
        #expect(engine.size == 15)
    }

    @Test
    func aWriterResumesFromItsStateInsideASegmentCheckingOnlyWhatFollows() throws {
        let layout = LedgerLayout(directory: Self.ledgers + "/intact")
        let manifest = try LedgerManifest.read(layout)
        let all = try lines("intact")
        // The state after entries 0…9, as a writer's snapshot would hold it.
        var prefix = ReplayEngine(manifest: manifest, signatures: .skip)
        var head = LineArraySource(Array(all[..<10]), firstSeq: 0)
        guard case .finished = prefix.run(from: &head, { _ in .proceed }) else { Issue.record("the prefix does not replay"); return }
        // Entry 10 is line 4 of the segment starting at 7, after three lines of that segment.
        let offset = all[7..<10].reduce(Int64(0)) { $0 + Int64($1.count) + 1 }
        var source = SegmentFileSource(layout: layout, segments: try SegmentList.read(layout), from: 10, offset: offset, line: 4)
        var engine = ReplayEngine(resuming: prefix.state, hash: manifest.suite.hash, signatures: .checkAsItGoes)
        var first: EntryLocation?
        let outcome = try engine.run(from: &source) { applied in
            if first == nil { first = applied.location }
            return .proceed
        }
        guard case .finished(.complete) = outcome else { Issue.record("expected the end, got \(outcome)"); return }
        #expect(first == .segment("log/00000000000000000007.jsonl", line: 4, offset: offset, seq: 10))
        #expect(engine.size == 20)
        #expect(engine.signaturesChecked == 10)
    }

    // MARK: - The segment files' structure

    @Test
    func aTornLastLineEndsTheLogWithoutBeingAnEntry() throws {
        let directory = try copy("intact")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path) }
        let last = directory + "/log/00000000000000000014.jsonl"
        let size = try FileManager.default.attributesOfItem(atPath: last)[.size] as! Int
        try append("{\"event\":{\"at\"", to: last)
        let (outcome, engine, _) = try replay("intact", .checkAsItGoes, directory: directory)
        guard case .finished(.torn(let torn)) = outcome else { Issue.record("expected a torn end, got \(outcome)"); return }
        #expect(torn.file == "log/00000000000000000014.jsonl")
        #expect(torn.offset == Int64(size))
        #expect(torn.bytes == 14)
        #expect(engine.size == 20)
    }

    @Test
    func aTornLineInASegmentThatIsNotTheLastIsABreak() throws {
        let directory = try copy("intact")
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path) }
        try append("{\"event\":{\"at\"", to: directory + "/log/00000000000000000007.jsonl")
        let (outcome, engine, handed) = try replay("intact", .checkAsItGoes, directory: directory)
        guard case .broken(.tornLine(let at, let bytes)) = outcome else { Issue.record("expected a torn middle segment, got \(outcome)"); return }
        #expect(at.file == "log/00000000000000000007.jsonl")
        #expect(at.line == 8)
        #expect(at.seq == 14)
        #expect(bytes == 14)
        #expect(engine.size == 14)
        #expect(handed.count == 14)
    }

    @Test
    func aMissingSegmentIsABreakWhereItsEntriesBelong() throws {
        let (outcome, engine, _) = try replay("tampered/missing-segment", .checkAsItGoes)
        guard case .broken(.segmentOutOfPlace(let file, let firstSeq, let expectedSeq)) = outcome else {
            Issue.record("expected a segment out of place, got \(outcome)"); return
        }
        #expect(file == "log/00000000000000000014.jsonl")
        #expect(firstSeq == 14)
        #expect(expectedSeq == 7)
        #expect(engine.size == 7)
    }
}
