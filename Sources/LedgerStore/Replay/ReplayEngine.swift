import LedgerCore
import LedgerCrypto

/// The one replay loop of FlowLedger: raw lines in seq order in, applied entries out, stopping
/// at the first break. Used by `verify` (``SignaturePolicy/checkAsItGoes``), `tail --verify`
/// (``SignaturePolicy/checkAfterwards``) and the projector's chain check (``SignaturePolicy/skip``
/// over ``Rules/chain(_:)``); the writer's recovery is meant to use it too (``SignaturePolicy/skip``
/// below what its index covers, ``SignaturePolicy/checkAsItGoes`` beyond, through `trustedBelow`).
///
/// For each line, in order, the engine:
/// 1. parses it strictly with `Entry(line:)` (DESIGN §4: exactly the canonical JSON of an entry)
///    and computes its leaf hash L(n) = H(0x00 || line) (RFC 9162 §2.1.1);
/// 2. checks that a genesis entry describes the ledger expected (``GenesisExpectation``);
/// 3. checks the signature as the ``SignaturePolicy`` says;
/// 4. applies ``LedgerState/replay(_:leafHash:signature:)`` (every integrity rule of DESIGN §7),
///    or only the order of DESIGN §5 (``ChainLink``) for a reader that resumes mid-log;
/// 5. hands the entry, its bytes, leaf hash and location to the caller.
/// Steps 1 and 3 run on every core a window at a time, the next window while this thread applies
/// the current one; 2, 4 and 5 run in order on the calling thread.
///
/// Contract:
/// - The caller MUST give lines starting at ``size`` (seq 0 for a fresh engine, the ``ChainLink``
///   position for chain rules, `state.size` for ``init(resuming:hash:signatures:trustedBelow:genesis:)``);
///   the source MUST follow the ``ReplayLineSource`` contract.
/// - The engine MUST NOT hand the caller an entry that breaks a rule, nor any entry after the
///   first break; under ``SignaturePolicy/checkAfterwards`` no entry of a batch is handed on
///   before the batch's signatures are checked.
/// - A structural break the source reports is returned only after every line before it was
///   applied, so the first break in log order wins.
/// - After a break, ``state`` is the state before the breaking entry (under
///   ``SignaturePolicy/checkAfterwards`` it may include the rest of that batch); every later run
///   returns the same break.
/// - Memory is the state plus two windows of lines (and the source's read buffer), whatever the
///   size of the log.
///
/// For the writer's recovery: `ReplayEngine(manifest:signatures: .checkAsItGoes, trustedBelow: indexed)`
/// skips the signatures its index covers and checks the rest; to resume from a snapshot of its
/// state, ``init(resuming:hash:signatures:trustedBelow:genesis:)`` with
/// `SegmentFileSource(layout:segments:from:offset:line:)`. Each ``AppliedEntry`` gives the offset
/// index record (``EntryLocation/offset``, `line.count`) and the stored leaf hash;
/// ``ReplayOutcome/finished(_:)`` with ``ReplayEnding/torn(_:)`` says where to cut
/// (``TornLine/path`` to ``TornLine/offset``); ``ReplayOutcome/broken(_:)`` is damage, and its
/// ``ReplayBreak/description`` says what and where.
///
/// ```swift
/// var engine = ReplayEngine(manifest: manifest, signatures: .checkAsItGoes)
/// var source = SegmentFileSource(layout: layout)
/// let outcome = try engine.run(from: &source) { applied in
///     try? frontier.append(leafHash: applied.leafHash, hash: manifest.suite.hash)
///     return .proceed
/// }
/// if case .broken(let problem) = outcome { print(problem) }
/// ```
package struct ReplayEngine: Sendable {
    /// Which rules the engine applies.
    package enum Rules: Sendable {
        /// Every integrity rule of DESIGN §7 through ``LedgerState``, from genesis on.
        case integrity
        /// Only seq, `prev` and time order (DESIGN §5), from the position given: for a reader
        /// that resumes in the middle of the log without the state. Signatures: ``SignaturePolicy/skip``.
        case chain(ChainLink)
    }

    /// Lines per window of the parallel step: enough to keep every core busy from the first
    /// window on, few enough to bound memory (two windows are in hand at a time).
    package static let window = 1024

    /// The rules' state (``Rules/integrity``): parties, keys, ids, the last leaf hash.
    package private(set) var state: LedgerState
    /// The position (``Rules/chain(_:)``).
    package private(set) var chain: ChainLink?
    /// What is done with signatures.
    package let signatures: SignaturePolicy
    /// Entries below this seq are replayed under ``SignaturePolicy/skip`` whatever
    /// ``signatures`` says (a checkpoint verified before, the entries a writer's index covers).
    package let trustedBelow: Int64
    /// What the genesis entry must say, or nil to take it as it is.
    package let genesis: GenesisExpectation?
    /// The suite's hash function.
    package let hash: HashAlgorithm
    /// The most entries whose history rows the caller lets the state hold, when it moves them
    /// to disk from `run`'s `afterWindow`: the tables are sized for that many (and a window),
    /// not for the whole log.
    package var rowsHeldAtMost: Int64?
    /// Signatures checked so far (the entry that breaks a rule included, once checked).
    package private(set) var signaturesChecked: Int64 = 0
    /// The first break met, returned again by every later run.
    package private(set) var firstBreak: ReplayBreak?
    /// The last entry applied and where it is.
    private var previous: (location: EntryLocation, entry: Entry)?

    /// An engine before entry `chain.size` (``Rules/chain(_:)``) or before genesis (``Rules/integrity``).
    /// - Precondition: ``Rules/chain(_:)`` goes with ``SignaturePolicy/skip`` (there are no keys to check with).
    package init(origin: String, hash: HashAlgorithm, rules: Rules = .integrity, signatures: SignaturePolicy,
                 trustedBelow: Int64 = 0, genesis: GenesisExpectation? = nil) {
        state = LedgerState(origin: origin)
        if case .chain(let link) = rules {
            precondition(signatures == .skip, "a chain-only replay has no keys to check signatures with")
            chain = link
        }
        self.signatures = signatures
        self.trustedBelow = trustedBelow
        self.genesis = genesis
        self.hash = hash
    }

    /// An engine that goes on from `state` (a writer's snapshot of its state, bound to the
    /// position it describes): the next line must stand at `state.size`. `previous`, the entry
    /// before it and where it is, lets a break at the next line be explained against it (a
    /// duplicated line, a broken chain) as a replay from genesis would.
    package init(resuming state: LedgerState, hash: HashAlgorithm, signatures: SignaturePolicy, trustedBelow: Int64 = 0,
                 genesis: GenesisExpectation? = nil, previous: (location: EntryLocation, entry: Entry)? = nil) {
        self.state = state
        self.signatures = signatures
        self.trustedBelow = trustedBelow
        self.genesis = genesis
        self.hash = hash
        self.previous = previous
    }

    /// An engine for the ledger `manifest` describes, checking its genesis against it (with
    /// `operatorKey` in place of the manifest's, when given).
    package init(manifest: LedgerManifest, signatures: SignaturePolicy, trustedBelow: Int64 = 0, operatorKey: PublicKey? = nil) {
        self.init(origin: manifest.origin, hash: manifest.suite.hash, signatures: signatures, trustedBelow: trustedBelow,
                  genesis: GenesisExpectation(manifest, operatorKey: operatorKey))
    }

    /// Entries applied: the seq the next line must stand at.
    package var size: Int64 { chain?.size ?? state.size }

    /// Hands the rules' history to `history`, which MUST hold every (author, id) and exchange
    /// applied so far (see ``LedgerState/attach(history:)``): a long replay that keeps its
    /// history on disk, as a verified copy's writer does, keeps its memory bounded.
    package mutating func attach(history: any RuleHistory) { state.attach(history: history) }

    /// Replays `source` to its end, the first break, or until `onEntry` or `afterWindow` says
    /// stop; `onEntry` receives every applied entry in order.
    ///
    /// `afterWindow` is given the rules' state after each window is applied and committed (no
    /// change of it can be rolled back then): where a long replay moves the rows it gathered to
    /// disk (``LedgerState/attach(history:)``), so that it holds a bounded part of the history.
    /// - Throws: only what the source throws when it cannot be read.
    package mutating func run<Source: ReplayLineSource>(from source: inout Source, _ onEntry: (AppliedEntry) -> ReplayStep,
                                                        afterWindow: (inout LedgerState) -> ReplayStep = { _ in .proceed }) throws(Source.Failure) -> ReplayOutcome {
        if let firstBreak { return .broken(firstBreak) }
        var ended: ReplayRead?
        var lagging: [String: PublicKey] = [:]
        var inFlight = try startWindow(&source, ended: &ended, lagging: lagging)
        var sized = state.size > 0
        while let (lines, pending) = inFlight {
            let checked = pending.wait()
            if !sized {
                sized = true
                sizeTables(for: lines, totalBytes: source.totalBytes)
            }
            // Pipelined: the next window is parsed and checked on every core while this thread
            // applies this one; keys this window registers are lent to it ahead of the rules.
            lagging = checked.introducedKeys
            inFlight = try startWindow(&source, ended: &ended, lagging: lagging)
            let stop = signatures == .checkAfterwards ? applyThenCheck(lines, checked.lines, onEntry) : apply(lines, checked.lines, onEntry)
            state.commit()  // nothing is rolled back past a window: keep the undo journal short
            if let stop {
                _ = inFlight?.pending.wait()
                if case .broken(let problem) = stop { firstBreak = problem }
                return stop
            }
            if chain == nil, afterWindow(&state) == .stop {
                _ = inFlight?.pending.wait()
                return .stopped
            }
        }
        switch ended {
        case .end(let ending)?:
            return .finished(ending)
        case .broken(let problem)?:
            firstBreak = problem
            return .broken(problem)
        case .lines?, nil:
            preconditionFailure("the loop ends only when the source ended")
        }
    }

    /// Reads the next window and starts its parallel step, or records how the source ended.
    private func startWindow<Source: ReplayLineSource>(_ source: inout Source, ended: inout ReplayRead?,
                                                        lagging: [String: PublicKey]) throws(Source.Failure) -> (lines: [ReplayLine], pending: BackgroundWork<CheckedWindow>)? {
        guard ended == nil else { return nil }
        let read = try source.next(limit: Self.window)
        guard case .lines(let lines) = read, !lines.isEmpty else {
            ended = read
            return nil
        }
        let step = WindowCheck(hash: hash, origin: state.origin,
                               verifyFrom: signatures == .checkAsItGoes ? trustedBelow : nil,
                               keys: state.keys, lagging: lagging)
        return (lines, BackgroundWork { step.run(lines) })
    }

    /// Sizes the id table for the whole log from the first lines' average length.
    private mutating func sizeTables(for lines: [ReplayLine], totalBytes: Int64?) {
        guard chain == nil, let totalBytes, !lines.isEmpty else { return }
        let average = max(1, lines.reduce(0) { $0 + $1.bytes.count + 1 } / lines.count)
        var entries = Int(totalBytes) / average + lines.count
        if let rowsHeldAtMost { entries = min(entries, Int(rowsHeldAtMost) + Self.window) }
        state.reserveCapacity(entries: entries)
    }

    // MARK: - The ordered step

    /// Applies a window and hands each entry on (``SignaturePolicy/skip``, ``SignaturePolicy/checkAsItGoes``).
    private mutating func apply(_ lines: [ReplayLine], _ checked: [CheckedLine], _ onEntry: (AppliedEntry) -> ReplayStep) -> ReplayOutcome? {
        for index in lines.indices {
            let next = index + 1 < checked.count ? try? checked[index + 1].entry.get() : nil
            switch applyRules(checked[index], lines[index], next: next) {
            case .failure(let problem):
                return .broken(problem)
            case .success(let entry):
                if onEntry(AppliedEntry(entry: entry, line: lines[index].bytes, leafHash: checked[index].leaf, location: lines[index].location)) == .stop {
                    return .stopped
                }
            }
        }
        return nil
    }

    /// Applies a window's rules with signatures not checked, then checks them on every core under
    /// the keys the window ended with, and hands on the entries before the first break
    /// (``SignaturePolicy/checkAfterwards``).
    private mutating func applyThenCheck(_ lines: [ReplayLine], _ checked: [CheckedLine], _ onEntry: (AppliedEntry) -> ReplayStep) -> ReplayOutcome? {
        var applied: [Entry] = []
        applied.reserveCapacity(lines.count)
        var ruleBreak: ReplayBreak?
        let before = previous
        for index in lines.indices {
            let next = index + 1 < checked.count ? try? checked[index + 1].entry.get() : nil
            switch applyRules(checked[index], lines[index], next: next) {
            case .failure(let problem): ruleBreak = problem
            case .success(let entry): applied.append(entry)
            }
            if ruleBreak != nil { break }
        }
        let keys = state
        let origin = state.origin
        let trusted = trustedBelow
        let verified = Parallel.map(applied.count, chunkSize: 8) { index -> Bool? in
            let entry = applied[index]
            guard entry.seq >= trusted else { return nil }
            guard let key = keys.verificationKey(for: entry.event) else { return false }
            return entry.signed.verify(with: key, origin: origin)
        }
        signaturesChecked += Int64(verified.count(where: { $0 != nil }))
        let forged = verified.firstIndex(of: false)
        for index in 0..<(forged ?? applied.count) {
            let step = onEntry(AppliedEntry(entry: applied[index], line: lines[index].bytes, leafHash: checked[index].leaf, location: lines[index].location))
            if step == .stop { return .stopped }
        }
        if let forged {
            let entry = applied[forged]
            let event = entry.event
            let violation = RuleViolation(.badSignature, seq: entry.seq, eventID: event.id, author: event.author, field: "sig",
                                          "the signature does not verify under key \(event.keyID) for ledger \"\(origin)\": the event was changed after signing, signed with another key, or signed for another ledger")
            let previousEntry = forged > 0 ? (lines[forged - 1].location, applied[forged - 1]) : before
            return .broken(.rule(violation, ReplayBreak.BrokenEntry(entry: entry, leafHash: checked[forged].leaf, location: lines[forged].location,
                                                                    previous: previousEntry, next: forged + 1 < applied.count ? applied[forged + 1] : nil)))
        }
        return ruleBreak.map { .broken($0) }
    }

    /// Steps 1–4 for one line: the entry if it holds, else the break.
    private mutating func applyRules(_ checked: CheckedLine, _ line: ReplayLine, next: Entry?) -> Result<Entry, ReplayBreak> {
        let entry: Entry
        switch checked.entry {
        case .failure(let error): return .failure(.malformedLine(error, at: line.location))
        case .success(let value): entry = value
        }
        if entry.seq == 0, let genesis, case .genesis(let body) = entry.event.body, let mismatch = genesis.mismatch(body) {
            return .failure(.genesisMismatch(mismatch, entry: entry, at: line.location))
        }
        do throws(RuleViolation) {
            if chain != nil {
                try chain!.follow(entry, leafHash: checked.leaf)
            } else {
                try state.replay(entry, leafHash: checked.leaf, signature: signatureCheck(checked, entry))
            }
        } catch {
            return .failure(.rule(error, ReplayBreak.BrokenEntry(entry: entry, leafHash: checked.leaf, location: line.location,
                                                                 previous: previous, next: next)))
        }
        previous = (line.location, entry)
        return .success(entry)
    }

    /// What the rules are told about `entry`'s signature under this engine's policy.
    private mutating func signatureCheck(_ checked: CheckedLine, _ entry: Entry) -> SignatureCheck {
        guard signatures == .checkAsItGoes, !(entry.seq < trustedBelow && entry.seq == state.size) else { return .notChecked }
        // A key the parallel step did not know yet (registered in this window, past what the
        // scan saw) is checked here, in order.
        let valid = checked.signatureValid ?? state.verificationKey(for: entry.event).map { entry.signed.verify(with: $0, origin: state.origin) }
        if valid != nil { signaturesChecked += 1 }
        return SignatureCheck(valid ?? false)
    }
}
