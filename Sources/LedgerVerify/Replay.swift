import LedgerCore
import LedgerCrypto
import LedgerStore

/// The verifier's pass over `log/`, on the one ``ReplayEngine`` with signatures checked as it
/// goes (``SignaturePolicy/checkAsItGoes``, every core, from the first window on) and skipped
/// below a trusted prefix (a checkpoint verified before, or a remembered verification): each
/// applied entry feeds the Merkle tree frontier (roots at the published checkpoints' sizes) and
/// the policy fold, until the end or the first break, which is turned into an
/// ``IntegrityBreak`` here. It reads the segment files alone
/// (``SegmentFileSource``), never the derived index or stored hashes.
struct Replay {
    let layout: LedgerLayout
    let manifest: LedgerManifest
    let operatorKey: VerifierKey
    /// Entries verified before: below its size, signatures are not checked again.
    let trusted: TrustedPrefix?
    /// Tree sizes whose root is wanted (published checkpoints).
    let rootSizes: Set<Int64>
    let options: VerifyOptions
    /// The verifier's state at the end of ``trusted`` (a remembered verification's): the
    /// entries it covers are only rehashed, not parsed and replayed again. Handed to the engine
    /// and forgotten here, so the engine's tables are never copied.
    private var resume: VerifierState?

    /// Roots of the first n entries, for each wanted n the replay reached.
    private(set) var roots: [Int64: Hash32] = [:]
    /// Entries that passed every rule.
    var size: Int64 { engine.size }
    /// The seq at which the log broke, if it did.
    private(set) var firstBreakSeq: Int64?
    /// When the remembered entries no longer hash to their root: the break to report if a full
    /// verification (which this replay then is) finds none of its own.
    private(set) var rememberedRootBreak: IntegrityBreak?
    /// Set when the rehash found the remembered root changed: the replay is a full one.
    private var verifyingInFull = false
    /// The root of every entry applied, MTH(D[0:size]).
    var root: Hash32 { try! MerkleTree.rootHash(size: frontier.size, reader: frontier, hash: manifest.suite.hash) }  // reads only the frontier

    private var engine: ReplayEngine
    private var frontier = TreeFrontier()
    private var policy: PolicyChecker

    init(layout: LedgerLayout, manifest: LedgerManifest, operatorKey: VerifierKey, trusted: TrustedPrefix?,
         resume: VerifierState? = nil, rootSizes: Set<Int64>, options: VerifyOptions) {
        self.layout = layout
        self.resume = resume
        self.manifest = manifest
        self.operatorKey = operatorKey
        self.trusted = trusted
        self.rootSizes = rootSizes.union(trusted.map { [$0.size] } ?? [])
        self.options = options
        engine = ReplayEngine(manifest: manifest, signatures: .checkAsItGoes, trustedBelow: trusted?.size ?? 0, operatorKey: operatorKey.publicKey)
        policy = PolicyChecker(acknowledgementWindow: options.acknowledgementWindow)
        if self.rootSizes.contains(0) { roots[0] = MerkleTree.emptyRoot(manifest.suite.hash) }
    }

    mutating func run(into report: inout VerificationReport) throws(VerifyError) {
        var source = SegmentFileSource(layout: layout)
        let totalBytes = source.totalBytes ?? 0
        var bytesRead: Int64 = 0
        if resume != nil, let trusted {
            switch try rehash(upTo: trusted, from: &source, bytesRead: &bytesRead) {
            case .matches(let last):
                let resumed = resume.take()!
                engine = ReplayEngine(resuming: resumed.rules, hash: manifest.suite.hash, signatures: .checkAsItGoes, previous: last)
                policy = resumed.policy
                report.findings = resumed.findings
            case .changed:
                // History was rewritten since: verify every entry, signatures included, so the
                // report names what a full verification names (a rule or signature the changed
                // entry breaks, else the root at the remembered size).
                report.notes.append("the first \(trusted.size) entries no longer hash to \(trusted.described), so every entry was verified again, signatures included")
                engine = ReplayEngine(manifest: manifest, signatures: .checkAsItGoes, operatorKey: operatorKey.publicKey)
                verifyingInFull = true
                fallthrough
            case .notWhole:
                // The replay from genesis below finds and names what is wrong.
                resume = nil
                source = SegmentFileSource(layout: layout)
                bytesRead = 0
                frontier = TreeFrontier()
                roots = rootSizes.contains(0) ? [0: MerkleTree.emptyRoot(manifest.suite.hash)] : [:]
            }
        }
        var nextProgress: Int64 = 100_000
        var stopped: (problem: IntegrityBreak, at: EntryLocation)?
        // Moved out for the loop (so the handler below may change the rest of self), leaving an
        // empty engine behind: a second reference would copy the rules' tables on first write.
        var engine = self.engine
        self.engine = ReplayEngine(origin: manifest.origin, hash: manifest.suite.hash, signatures: .skip)
        defer { self.engine = engine }
        let outcome: ReplayOutcome
        do {
            outcome = try engine.run(from: &source) { applied in
                bytesRead += Int64(applied.line.count + 1)
                if let problem = fold(applied, report: &report) {
                    stopped = (problem, applied.location)
                    return .stop
                }
                if applied.seq + 1 >= nextProgress {
                    options.progress?(applied.seq + 1, bytesRead, totalBytes)
                    nextProgress = applied.seq + 1 + 100_000
                }
                return .proceed
            }
        } catch {
            throw VerifyError("\(error.message); the segment cannot be read: check its permissions and the disk, then verify again")
        }
        report.signaturesChecked = engine.signaturesChecked
        switch outcome {
        case .stopped:
            report.segments = source.segmentCount(through: stopped?.at.file)
            if let stopped { fail(&report, stopped.problem, size: engine.size) }
            return
        case .broken(let problem):
            report.segments = source.segmentCount(through: problem.segmentFile)
            if case .layout(let message) = problem {
                report.firstBreak = IntegrityBreak(kind: .segmentLayout, file: "log/", meaning: "the segment files are not a complete log", detail: message)
                firstBreakSeq = 0
                return
            }
            fail(&report, integrityBreak(problem, state: engine.state), size: engine.size)
            return
        case .finished(let ending):
            report.segments = source.segmentCount()
            if case .torn(let torn) = ending {
                report.notes.append("\(torn.file) ends with \(torn.bytes) bytes that are not a complete line: a write torn by a crash, never acknowledged (the writer cuts it when it next opens the ledger); not counted")
            }
        }
        let size = engine.size
        report.entries = size
        if let trusted, size < trusted.size {
            fail(&report, IntegrityBreak(kind: .truncatedBelowCheckpoint, file: "log/", seq: size, field: "size",
                                         expected: "at least \(trusted.size) entries (\(trusted.described))", found: "\(size) entries",
                                         meaning: "the log is shorter than what you verified before (\(trusted.described)): entries \(size)…\(trusted.size - 1) were removed",
                                         detail: "restore the missing entries from a backup"), size: size)
            report.replayComplete = true  // every entry there is was checked
        }
        options.progress?(size, bytesRead, totalBytes)
    }

    private mutating func fail(_ report: inout VerificationReport, _ problem: IntegrityBreak, size: Int64) {
        report.firstBreak = problem
        report.replayComplete = false
        report.entries = size
        firstBreakSeq = problem.seq ?? size
    }

    /// The verifier's state after the run, with `findings` (every one so far), for the next
    /// verification to go on from (``VerifierState``).
    func stateBytes(findings: [PolicyFinding]) -> [UInt8] {
        VerifierState.bytes(size: size, root: root, rules: engine.state, policy: policy, findings: findings)
    }

    // MARK: - A remembered prefix, rehashed

    private enum Rehash {
        /// The entries still hash to the remembered root; the source stands at the next one.
        /// With the last of them, parsed, and where it is.
        case matches(last: (location: EntryLocation, entry: Entry))
        /// They do not: history was rewritten.
        case changed
        /// The log ends or breaks before the remembered size: the replay names how.
        case notWhole
    }

    /// Reads the first `trusted.size` lines and feeds their leaf hashes, computed on every core,
    /// to the tree frontier (roots at the published checkpoints' sizes included) without parsing
    /// them, then compares the root with the remembered one.
    private mutating func rehash(upTo trusted: TrustedPrefix, from source: inout SegmentFileSource,
                                 bytesRead: inout Int64) throws(VerifyError) -> Rehash {
        let hash = manifest.suite.hash
        var last: ReplayLine?
        while frontier.size < trusted.size {
            let read: ReplayRead
            do { read = try source.next(limit: Int(Swift.min(8192, trusted.size - frontier.size))) } catch {
                throw VerifyError("\(error.message); the segment cannot be read: check its permissions and the disk, then verify again")
            }
            guard case .lines(let lines) = read else { return .notWhole }
            let leaves = Parallel.map(lines.count, chunkSize: 256) { Entry.leafHash(line: lines[$0].bytes, hash: hash) }
            for (line, leaf) in zip(lines, leaves) {
                guard line.location.seq == frontier.size else { return .notWhole }
                _ = addLeaf(leaf)
                bytesRead += Int64(line.bytes.count + 1)
            }
            last = lines.last
        }
        guard root == trusted.root else { return .changed }
        guard let last, let entry = try? Entry(line: last.bytes) else { return .notWhole }
        return .matches(last: (last.location, entry))
    }

    /// The break when the first `trusted.size` entries, the last of them at `location`, hash to
    /// `root` instead of the trusted root.
    private func prefixChanged(_ trusted: TrustedPrefix, root: Hash32, at location: EntryLocation) -> IntegrityBreak {
        IntegrityBreak(kind: .checkpointMismatch, file: location.file ?? "log/", line: location.line, seq: location.seq, field: "root",
                       expected: "root \(trusted.root.hex) (\(trusted.described))", found: "root \(root.hex)",
                       meaning: "the first \(trusted.size) entries no longer hash to the root you verified before (\(trusted.described)): history was rewritten since you verified it",
                       detail: trusted.fullCheckAdvice)
    }

    // MARK: - Each applied entry

    /// Feeds an entry the rules accepted to the tree frontier and the policy fold; returns the
    /// break if the first entries no longer hash to the trusted checkpoint's root.
    private mutating func fold(_ applied: AppliedEntry, report: inout VerificationReport) -> IntegrityBreak? {
        if let root = addLeaf(applied.leafHash) {
            if let trusted, trusted.size == frontier.size, trusted.root != root {
                guard verifyingInFull else { return prefixChanged(trusted, root: root, at: applied.location) }
                rememberedRootBreak = prefixChanged(trusted, root: root, at: applied.location)
            }
        }
        let found = policy.apply(applied.entry)
        if !found.isEmpty && (applied.seq >= (trusted?.size ?? 0) || trusted?.reportsFindingsWithin == true || verifyingInFull) { report.findings += found }
        return nil
    }

    /// Feeds the next entry's leaf hash to the tree frontier; when the tree's new size is one
    /// whose root is wanted, records that root and returns it.
    private mutating func addLeaf(_ leafHash: Hash32) -> Hash32? {
        do { try frontier.append(leafHash: leafHash, hash: manifest.suite.hash) } catch {
            preconditionFailure("the frontier holds every hash an append reads: \(error)")
        }
        guard rootSizes.contains(frontier.size) else { return nil }
        let root = self.root
        roots[frontier.size] = root
        return root
    }

    // MARK: - Breaks in verify's terms

    /// The engine's break as the report shows it.
    private func integrityBreak(_ problem: ReplayBreak, state: LedgerState) -> IntegrityBreak {
        let size = state.size
        switch problem {
        case .layout(let message):
            return IntegrityBreak(kind: .segmentLayout, file: "log/", meaning: "the segment files are not a complete log", detail: message)
        case .segmentOutOfPlace(let name, let firstSeq, _):
            return IntegrityBreak(kind: .segmentLayout, file: name, line: 1, seq: size, field: "",
                                  expected: "a segment starting at seq \(size)", found: "\(name) starts at seq \(firstSeq)",
                                  meaning: firstSeq > size ? "entries \(size)…\(firstSeq - 1) are missing: a segment file was deleted or renamed" : "segments overlap: a segment file was renamed or copied",
                                  detail: "each segment is named by the seq of its first entry and starts where the previous one ends")
        case .oversizedLine(let at):
            let name = at.file ?? "log/"
            return IntegrityBreak(kind: IntegrityBreak.Kind(.malformedLine), file: name, line: at.line, seq: size,
                                  expected: "a line of at most \(CanonicalJSON.maxLineBytes) bytes", found: "a longer line",
                                  meaning: "line \(at.line ?? 0) of \(name) is longer than any entry may be: the file was damaged or data was inserted",
                                  detail: "DESIGN §4 limits an entry line to \(CanonicalJSON.maxLineBytes) bytes")
        case .tornLine(let at, let bytes):
            let name = at.file ?? "log/"
            return IntegrityBreak(kind: IntegrityBreak.Kind(.malformedLine), file: name, seq: size,
                                  expected: "every line ending in a newline", found: "\(bytes) bytes without a newline at the end of the file",
                                  meaning: "\(name) ends in an incomplete line but is not the last segment: only the very last line of the log can be torn by a crash, so this segment was cut or damaged",
                                  detail: "restore the segment from a backup")
        case .malformedLine(let error, let at):
            let name = at.file ?? "log/"
            return IntegrityBreak(kind: IntegrityBreak.Kind(.malformedLine), file: name, line: at.line, seq: size,
                                  field: error.field, found: nil,
                                  meaning: "line \(at.line ?? 0) of \(name), where entry \(size) belongs, is not a valid entry: it is not exactly the canonical JSON of an entry, so it was edited or damaged after it was written (two byte strings must never mean the same entry)",
                                  detail: error.description)
        case .genesisMismatch(let mismatch, let entry, let at):
            return IntegrityBreak(kind: .operatorKeyMismatch, file: at.file ?? "log/", line: at.line, seq: 0, eventID: entry.event.id, author: entry.event.author,
                                  field: mismatch.field, expected: mismatch.expected, found: mismatch.found,
                                  meaning: "the genesis entry does not describe the ledger you are verifying (\(options.operatorKey == nil ? "ledger.json" : "the --vkey you trust") says otherwise): the genesis was rewritten, or this is another ledger",
                                  detail: "every checkpoint and every registration hangs from the genesis entry's operator key; compare with the operator's published verifier key")
        case .rule(let violation, let broken):
            return BreakDiagnosis(state: state, previous: broken.previous, next: broken.next)
                .explain(violation, entry: broken.entry, leaf: broken.leafHash, at: broken.location)
        }
    }
}

extension ReplayBreak {
    /// The segment file the break is in, if it is in one.
    var segmentFile: String? {
        if case .segmentOutOfPlace(let file, _, _) = self { return file }
        return location?.file
    }
}
