import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// One line after the parallel step of ``Replay``.
struct CheckedLine {
    /// The parsed entry, or why the line is not one.
    let entry: Result<Entry, FormatError>
    /// Its leaf hash H(0x00 || line).
    let leaf: Hash32
    /// Whether the signature verified; nil when its key was not known at the window's start
    /// (registered inside the window) or the entry is below the trusted checkpoint.
    let signatureValid: Bool?
}

/// The verifier's pass over `log/`: lines are parsed, hashed and signature-checked on every
/// core a window at a time, then applied in order to the integrity rules (``LedgerState``), the
/// Merkle tree frontier and the policy fold, until the end or the first break.
struct Replay {
    let layout: LedgerLayout
    let manifest: LedgerManifest
    let operatorKey: VerifierKey
    /// A checkpoint verified before: entries below its size skip signature checks.
    let trusted: Checkpoint?
    /// Tree sizes whose root is wanted (published checkpoints).
    let rootSizes: Set<Int64>
    let options: VerifyOptions

    /// Roots of the first n entries, for each wanted n the replay reached.
    private(set) var roots: [Int64: Hash32] = [:]
    /// Entries that passed every rule.
    var size: Int64 { state.size }
    /// The seq at which the log broke, if it did.
    private(set) var firstBreakSeq: Int64?

    private var state: LedgerState
    private var frontier = TreeFrontier()
    private var policy: PolicyChecker
    /// Where the last applied entry is, for a break that concerns it.
    private var previous: (file: String, line: Int, entry: Entry)?

    /// Lines parsed and signature-checked per parallel step: large enough to keep the cores
    /// busy, small enough to bound memory.
    private static let window = 1024

    init(layout: LedgerLayout, manifest: LedgerManifest, operatorKey: VerifierKey, trusted: Checkpoint?,
         rootSizes: Set<Int64>, options: VerifyOptions) {
        self.layout = layout
        self.manifest = manifest
        self.operatorKey = operatorKey
        self.trusted = trusted
        self.rootSizes = rootSizes.union(trusted.map { [$0.size] } ?? [])
        self.options = options
        state = LedgerState(origin: manifest.origin)
        policy = PolicyChecker(acknowledgementWindow: options.acknowledgementWindow)
        if self.rootSizes.contains(0) { roots[0] = MerkleTree.emptyRoot(manifest.suite.hash) }
    }

    mutating func run(into report: inout VerificationReport) throws(VerifyError) {
        let segments: SegmentList
        do {
            segments = try SegmentList.read(layout)
        } catch {
            report.firstBreak = IntegrityBreak(kind: .segmentLayout, file: "log/", meaning: "the segment files are not a complete log", detail: error.message)
            firstBreakSeq = 0
            return
        }
        let totalBytes = segments.firstSeqs.reduce(Int64(0)) { total, seq in
            total + ((try? PosixFile(path: layout.segment(firstSeq: seq), flags: O_RDONLY).size()) ?? 0)
        }
        var bytesRead: Int64 = 0
        var nextProgress: Int64 = 100_000
        for (position, firstSeq) in segments.firstSeqs.enumerated() {
            let name = "log/" + LedgerLayout.segmentName(firstSeq: firstSeq)
            report.segments += 1
            guard firstSeq == state.size else {
                fail(&report, IntegrityBreak(kind: .segmentLayout, file: name, line: 1, seq: state.size, field: "",
                                             expected: "a segment starting at seq \(state.size)", found: "\(name) starts at seq \(firstSeq)",
                                             meaning: firstSeq > state.size ? "entries \(state.size)…\(firstSeq - 1) are missing: a segment file was deleted or renamed" : "segments overlap: a segment file was renamed or copied",
                                             detail: "each segment is named by the seq of its first entry and starts where the previous one ends"))
                return
            }
            var lines: SegmentLines
            do {
                lines = try SegmentLines(path: layout.segment(firstSeq: firstSeq))
            } catch {
                throw VerifyError("\(layout.directory)/\(name): cannot read the segment: \(error.message)")
            }
            // Pipelined: the next window is parsed and signature-checked on every core while
            // this thread applies the current one in order.
            var windows = WindowReader(lines: lines, size: Self.window)
            var inFlight = try nextWindow(&windows, name).map { ($0, PendingCheck(check($0))) }
            while let (window, pending) = inFlight {
                let checked = pending.wait()
                if state.size == 0, bytesRead == 0, !window.isEmpty {
                    // Size the id table for the whole log from the first lines' average length.
                    let average = max(1, window.reduce(0) { $0 + $1.bytes.count + 1 } / window.count)
                    state.reserveCapacity(entries: Int(totalBytes) / average + window.count)
                }
                inFlight = try nextWindow(&windows, name).map { ($0, PendingCheck(check($0))) }
                for (i, line) in window.enumerated() {
                    let next = i + 1 < checked.count ? checked[i + 1] : nil
                    if let problem = apply(checked[i], next: next, file: name, line: line.number, report: &report) {
                        _ = inFlight?.1.wait()
                        fail(&report, problem)
                        return
                    }
                    bytesRead += Int64(line.bytes.count + 1)
                }
                state.commit()
                if state.size >= nextProgress {
                    options.progress?(state.size, bytesRead, totalBytes)
                    nextProgress = state.size + 100_000
                }
            }
            lines = windows.lines
            switch lines.ending {
            case .complete:
                break
            case .oversized(let line):
                fail(&report, IntegrityBreak(kind: IntegrityBreak.Kind(.malformedLine), file: name, line: line, seq: state.size,
                                             expected: "a line of at most \(CanonicalJSON.maxLineBytes) bytes", found: "a longer line",
                                             meaning: "line \(line) of \(name) is longer than any entry may be: the file was damaged or data was inserted",
                                             detail: "DESIGN §4 limits an entry line to \(CanonicalJSON.maxLineBytes) bytes"))
                return
            case .unterminated(let bytes):
                guard position == segments.firstSeqs.count - 1 else {
                    fail(&report, IntegrityBreak(kind: IntegrityBreak.Kind(.malformedLine), file: name, seq: state.size,
                                                 expected: "every line ending in a newline", found: "\(bytes) bytes without a newline at the end of the file",
                                                 meaning: "\(name) ends in an incomplete line but is not the last segment: only the very last line of the log can be torn by a crash, so this segment was cut or damaged",
                                                 detail: "restore the segment from a backup"))
                    return
                }
                report.notes.append("\(name) ends with \(bytes) bytes that are not a complete line: a write torn by a crash, never acknowledged (the writer cuts it when it next opens the ledger); not counted")
            }
        }
        report.entries = state.size
        if let trusted, state.size < trusted.size {
            fail(&report, IntegrityBreak(kind: .truncatedBelowCheckpoint, file: "log/", seq: state.size, field: "size",
                                         expected: "at least \(trusted.size) entries (the trusted checkpoint)", found: "\(state.size) entries",
                                         meaning: "the log is shorter than the checkpoint you trusted: entries \(state.size)…\(trusted.size - 1) were removed",
                                         detail: "restore the missing entries from a backup"))
            report.replayComplete = true  // every entry there is was checked
        }
        options.progress?(state.size, bytesRead, totalBytes)
    }

    private func nextWindow(_ windows: inout WindowReader, _ name: String) throws(VerifyError) -> ArraySlice<SegmentLines.Line>? {
        do {
            return try windows.next()
        } catch {
            throw VerifyError("\(layout.directory)/\(name): cannot read the segment: \(error.message)")
        }
    }

    private mutating func fail(_ report: inout VerificationReport, _ problem: IntegrityBreak) {
        report.firstBreak = problem
        report.replayComplete = false
        report.entries = state.size
        firstBreakSeq = problem.seq ?? state.size
    }

    // MARK: - The parallel step

    /// Parses, hashes and signature-checks `lines` on every core, with the keys known now, which
    /// may lag the lines by a window: a key registered since is checked in order, in ``apply``.
    private func check(_ lines: ArraySlice<SegmentLines.Line>) -> @Sendable () -> [CheckedLine] {
        let keys = state.keys
        let origin = manifest.origin
        let hash = manifest.suite.hash
        let trustedSize = trusted?.size ?? 0
        return {
            Parallel.map(lines.count, chunkSize: 16) { i -> CheckedLine in
                let bytes = lines[lines.startIndex + i].bytes
                let leaf = Entry.leafHash(line: bytes, hash: hash)
                let entry: Entry
                do throws(FormatError) {
                    entry = try Entry(line: bytes)
                } catch {
                    return CheckedLine(entry: .failure(error), leaf: leaf, signatureValid: nil)
                }
                guard entry.seq >= trustedSize else { return CheckedLine(entry: .success(entry), leaf: leaf, signatureValid: nil) }
                let key: PublicKey?
                if case .genesis(let body) = entry.event.body { key = body.operator.key } else { key = keys[entry.event.keyID]?.key }
                return CheckedLine(entry: .success(entry), leaf: leaf, signatureValid: key.map { entry.signed.verify(with: $0, origin: origin) })
            }
        }
    }

    // MARK: - The ordered step

    /// Applies one checked line; returns the break if it breaks a rule.
    private mutating func apply(_ checked: CheckedLine, next: CheckedLine?, file: String, line: Int, report: inout VerificationReport) -> IntegrityBreak? {
        let entry: Entry
        switch checked.entry {
        case .failure(let error):
            return IntegrityBreak(kind: IntegrityBreak.Kind(.malformedLine), file: file, line: line, seq: state.size,
                                  field: error.field, found: nil,
                                  meaning: "line \(line) of \(file), where entry \(state.size) belongs, is not a valid entry: it is not exactly the canonical JSON of an entry, so it was edited or damaged after it was written (two byte strings must never mean the same entry)",
                                  detail: error.description)
        case .success(let value):
            entry = value
        }
        if entry.seq == 0, let problem = genesisProblem(entry, file: file, line: line) { return problem }
        let belowTrusted = entry.seq < (trusted?.size ?? 0) && entry.seq == state.size
        var signatureValid = checked.signatureValid
        if signatureValid == nil && !belowTrusted {
            signatureValid = state.verificationKey(for: entry.event).map { entry.signed.verify(with: $0, origin: manifest.origin) }
        }
        if !belowTrusted && signatureValid != nil { report.signaturesChecked += 1 }
        do {
            try state.replay(entry, leafHash: checked.leaf, signature: belowTrusted ? .notChecked : SignatureCheck(signatureValid ?? false))
        } catch {
            return BreakDiagnosis(state: state, previous: previous, next: next).explain(error, entry: entry, leaf: checked.leaf, file: file, line: line)
        }
        do {
            try frontier.append(leafHash: checked.leaf, hash: manifest.suite.hash)
        } catch {
            preconditionFailure("the frontier holds every hash an append reads: \(error)")
        }
        let size = frontier.size
        if rootSizes.contains(size) {
            let root = try! MerkleTree.rootHash(size: size, reader: frontier, hash: manifest.suite.hash)  // reads only the frontier
            roots[size] = root
            if let trusted, trusted.size == size, trusted.root != root {
                return IntegrityBreak(kind: .checkpointMismatch, file: file, line: line, seq: entry.seq, field: "root",
                                      expected: "root \(trusted.root.hex) (the checkpoint you trusted)", found: "root \(root.hex)",
                                      meaning: "the first \(size) entries no longer hash to the root of the checkpoint you trusted: history before it was rewritten since you verified it",
                                      detail: "verify the whole log without --from-checkpoint to find the first changed entry")
            }
        }
        let found = policy.apply(entry)
        if !found.isEmpty && entry.seq >= (trusted?.size ?? 0) { report.findings += found }
        previous = (file, line, entry)
        return nil
    }

    /// Entry 0 must be the genesis of the ledger `ledger.json` and the trusted key describe.
    private func genesisProblem(_ entry: Entry, file: String, line: Int) -> IntegrityBreak? {
        guard case .genesis(let body) = entry.event.body else { return nil }
        var mismatches: [(field: String, expected: String, found: String)] = []
        if body.operator.key != operatorKey.publicKey {
            mismatches.append(("event.body.operator.key", operatorKey.publicKey.string, body.operator.key.string))
        }
        if body.suite != manifest.suite { mismatches.append(("event.body.suite", manifest.suite.rawValue, body.suite.rawValue)) }
        if body.origin != manifest.origin { mismatches.append(("event.body.origin", manifest.origin, body.origin)) }
        guard let first = mismatches.first else { return nil }
        return IntegrityBreak(kind: .operatorKeyMismatch, file: file, line: line, seq: 0, eventID: entry.event.id, author: entry.event.author,
                              field: first.field, expected: first.expected, found: first.found,
                              meaning: "the genesis entry does not describe the ledger you are verifying (\(options.operatorKey == nil ? "ledger.json" : "the --vkey you trust") says otherwise): the genesis was rewritten, or this is another ledger",
                              detail: "every checkpoint and every registration hangs from the genesis entry's operator key; compare with the operator's published verifier key")
    }
}

/// Cuts a segment's lines into windows of at most `size` lines, reading chunks as needed.
struct WindowReader {
    private(set) var lines: SegmentLines
    let size: Int
    private var chunk: [SegmentLines.Line] = []
    private var start = 0

    init(lines: SegmentLines, size: Int) {
        self.lines = lines
        self.size = size
    }

    /// The next window, or nil after the last complete line.
    mutating func next() throws(StoreError) -> ArraySlice<SegmentLines.Line>? {
        if start >= chunk.count {
            guard let read = try lines.next() else { return nil }
            chunk = read
            start = 0
        }
        let window = chunk[start..<min(start + size, chunk.count)]
        start += size
        return window
    }
}

/// Work started on other threads now, whose result is collected later with ``wait()``.
final class PendingCheck: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: [CheckedLine] = []

    /// Starts `work` on the global queue.
    init(_ work: @escaping @Sendable () -> [CheckedLine]) {
        DispatchQueue.global().async { [self] in
            result = work()
            done.signal()
        }
    }

    /// Blocks until the work is done; returns its result (call once).
    func wait() -> [CheckedLine] {
        done.wait()
        return result
    }
}
