import LedgerCore
import LedgerCrypto

/// The writer of a verified copy of a ledger kept elsewhere (`flowledger mirror`, DESIGN §10):
/// appends lines another copy of the log already sequenced, byte for byte — that log's seqs,
/// `prev` hashes and `time`s — after checking each one as `verify` does, and keeps them through
/// the same store code as ``LedgerWriter`` (``SegmentStore``), so the copy's segment files,
/// offsets, stored hashes, state snapshot and checkpoints are those of any ledger directory.
///
/// Contract:
/// - Each batch is checked by the one ``ReplayEngine`` under ``SignaturePolicy/checkAsItGoes``,
///   going on from the state the copy ends at: a strict parse (exactly the canonical bytes of an
///   entry), genesis against the manifest, seq, `prev` chain and time order, every rule of
///   DESIGN §7, and each signature under the key its author had registered at that point.
/// - A batch is all or nothing: ``check(_:)`` writes nothing, and when a line breaks a rule the
///   writer refuses every later batch (its rules' state went past the copy's end); the caller
///   can confirm a checked batch elsewhere (a proof from the server) before ``commit(_:)``.
/// - ``commit(_:)`` MUST NOT return before the batch's lines and their stored hashes are
///   durable (``LogAppender/commit(_:)``). ``beginCommit(_:)`` writes them on a thread of its
///   own while the caller checks the next batch (at most one batch in flight, written in
///   order); ``finishCommit()`` returns once it is durable. Until then ``size`` leaves it out.
/// - One writer per directory (the store's lock). Opening a copy after a kill resumes from what
///   is durable: recovery cuts a torn last line and indexes, hashes and checks complete lines
///   beyond the derived files.
///
/// ```swift
/// let copy = try LogCopyWriter.create(directory: "/srv/regulator/exchange", manifest: served)
/// let checked = try copy.check(linesFromTheServer)   // as verify checks them; nothing written
/// try copy.commit(checked)                            // the exact bytes, durable
/// // or, to check the next batch while this one is written:
/// try copy.beginCommit(checked); let next = try copy.check(moreLines); try copy.finishCommit()
/// guard try copy.root(size: checkpoint.size) == checkpoint.root else { … }
/// try copy.publish(checkpoint: note, size: checkpoint.size)
/// copy.close()
/// ```
package final class LogCopyWriter {
    private let store: SegmentStore
    private let options: WriterOptions
    private var engine: ReplayEngine
    private var frontier: TreeFrontier
    /// The position the store's snapshot describes (the last flush or save).
    private var snapshotSize: Int64
    private var refusal: StoreError?
    private var closed = false
    /// The first seq of lines checked and not yet committed.
    private var pending: Int64?
    /// The batch being written by ``beginCommit(_:)``: the tree frontier once it is durable, and
    /// the write (nil when it succeeded, else why not).
    private var writing: (frontier: TreeFrontier, work: BackgroundWork<StoreError?>)?

    /// The copy's `ledger.json`.
    package var manifest: LedgerManifest { store.manifest }
    /// The copy's directory.
    package var directory: String { store.layout.directory }
    /// The number of durable entries in the copy (a batch still being written is not counted).
    package var size: Int64 { frontier.size }
    /// The seq the next line given to ``check(_:)`` must stand at: the entries checked so far,
    /// durable or being written.
    package var nextSeq: Int64 { engine.size }
    /// What opening the copy found and repaired.
    package let recovery: RecoveryReport

    private init(store: SegmentStore, options: WriterOptions) throws(StoreError) {
        let recovered: RecoveredLog
        do {
            recovered = try store.recover()
        } catch {
            if error.code != .locked { store.close() }
            throw error
        }
        self.store = store
        self.options = options
        self.recovery = recovered.report
        frontier = recovered.frontier
        snapshotSize = recovered.state.size
        engine = ReplayEngine(resuming: recovered.state, hash: store.manifest.suite.hash, signatures: .checkAsItGoes,
                              genesis: GenesisExpectation(store.manifest))
    }

    /// Closes the copy if its owner did not.
    deinit { close() }

    /// Opens the copy at `directory` for appending: takes the writer lock and recovers it.
    /// - Throws: ``StoreError/Code/locked`` if another process writes it;
    ///   ``StoreError/Code/damaged`` if its log breaks a rule anywhere but a torn last line.
    package static func open(directory: String, options: WriterOptions = WriterOptions()) throws(StoreError) -> LogCopyWriter {
        try LogCopyWriter(store: try SegmentStore.open(directory: directory, options: options), options: options)
    }

    /// Creates an empty copy of the ledger `manifest` describes at `directory` (created if
    /// missing; it must not hold a ledger) and opens it; its first line must be the genesis entry.
    package static func create(directory: String, manifest: LedgerManifest, options: WriterOptions = WriterOptions()) throws(StoreError) -> LogCopyWriter {
        try LogCopyWriter(store: try SegmentStore.create(directory: directory, manifest: manifest, options: options), options: options)
    }

    /// Checks `lines` (each without its newline; the first at seq ``nextSeq``) as `verify` does,
    /// writing nothing; ``commit(_:)`` or ``beginCommit(_:)`` then appends them exactly as given.
    /// Nothing else may be checked in between: a batch checked and not committed leaves the
    /// writer refusing more. When the rules' history is due to be written, this first waits for
    /// the batch being written (the history written must be that of the durable entries).
    /// - Throws: ``StoreError/Code/rejected`` with the rule and seq of the first line that does
    ///   not hold (the writer then refuses every later batch); ``StoreError/Code/io`` when the
    ///   rules' history cannot be read, or when the batch written before failed (then waited
    ///   for); either is the copy's own disk, never the lines given.
    package func check(_ lines: [[UInt8]]) throws(StoreError) -> CheckedLines {
        if let refusal { throw refusal }
        guard !closed else { throw StoreError(.closed, "\(directory): the copy is closed") }
        guard pending == nil else {
            throw refuse(StoreError(.closed, "\(directory): entries from \(nextSeq) were checked but not committed; reopen the copy to go on"))
        }
        if engine.state.recentEventCount >= options.snapshotInterval(size: engine.size) {
            try finishCommit()
            flush()
        }
        let first = engine.size
        var source = LineArraySource(lines, firstSeq: first)
        var leaves: [Hash32] = []
        leaves.reserveCapacity(lines.count)
        let outcome = engine.run(from: &source) { applied in
            leaves.append(applied.leafHash)
            return .proceed
        }
        let last = first + Int64(lines.count) - 1
        if let failure = store.takeHistoryFailure() {
            throw refuse(StoreError(.io, "\(directory): \(failure.message); nothing of entries \(first)…\(last) was written. Run the command again; if this persists, delete \(store.layout.writerState) (it is rebuilt from the log)"))
        }
        if case .broken(let problem) = outcome {
            let violation: RuleViolation? = if case .rule(let rule, _) = problem { rule } else { nil }
            throw refuse(StoreError(.rejected, "entry \(problem.location?.seq ?? first) does not hold: \(problem); nothing of entries \(first)…\(last) was written, the copy keeps the entries before \(first)", violation: violation))
        }
        guard leaves.count == lines.count else {
            throw refuse(StoreError(.rejected, "entries \(first)…\(last): only \(leaves.count) of \(lines.count) lines were applied; nothing was written"))
        }
        pending = first
        return CheckedLines(firstSeq: first, lines: lines, leafHashes: leaves)
    }

    /// Appends the lines ``check(_:)`` returned, exactly as given; returns once they and their
    /// stored hashes are durable.
    /// - Throws: ``StoreError/Code/io`` when the store fails (the copy holds what it held).
    package func commit(_ checked: CheckedLines) throws(StoreError) {
        try beginCommit(checked)
        try finishCommit()
    }

    /// Starts appending the lines ``check(_:)`` returned, exactly as given, on a thread of its
    /// own, after the batch before (if still being written) is durable; ``check(_:)`` may then
    /// take the next batch while this one is written.
    /// - Throws: what ``finishCommit()`` throws for the batch before; ``StoreError/Code/closed``
    ///   for a batch that is not the one last checked.
    package func beginCommit(_ checked: CheckedLines) throws(StoreError) {
        try finishCommit()
        guard pending == checked.firstSeq, checked.firstSeq == size else {
            throw refuse(StoreError(.closed, "\(directory): entries from \(checked.firstSeq) are not the ones last checked; check them first"))
        }
        pending = nil
        guard !checked.lines.isEmpty else { return }
        // The group is built here, the write and its fsync happen on the thread: the batch's
        // buffers stay in this thread's malloc arena (a new thread's arena kept ~10 MB more).
        let (group, next) = try sequencedGroup(checked)
        let store = store
        writing = (next, BackgroundWork {
            do throws(StoreError) {
                try store.commit(group)
                return nil
            } catch {
                return error
            }
        })
    }

    /// Returns once the batch ``beginCommit(_:)`` started is durable (at once when none is).
    /// - Throws: ``StoreError/Code/io`` when the store failed (the copy holds what it held, and
    ///   the writer refuses every later batch).
    package func finishCommit() throws(StoreError) {
        waitForWrite()
        if let refusal { throw refusal }
    }

    /// Waits for the batch being written, whatever was refused since: nothing may touch the
    /// store (or release its lock) while its thread writes. A failure becomes the refusal.
    private func waitForWrite() {
        guard let (next, work) = writing else { return }
        writing = nil
        if let failure = work.wait() {
            _ = refuse(failure)
        } else {
            frontier = next
        }
    }

    /// The store's group for `checked`, after the durable entries; the tree frontier after it.
    private func sequencedGroup(_ checked: CheckedLines) throws(StoreError) -> (SequencedGroup, TreeFrontier) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(checked.lines.reduce(0) { $0 + $1.count + 1 })
        var lengths: [Int64] = []
        lengths.reserveCapacity(checked.lines.count)
        for line in checked.lines {
            bytes += line
            bytes.append(0x0a)
            lengths.append(Int64(line.count))
        }
        var next = frontier
        var stored: [Hash32] = []
        do {
            for leaf in checked.leafHashes { stored += try next.append(leafHash: leaf, hash: manifest.suite.hash) }
        } catch {
            throw refuse(StoreError(.io, "\(directory): cannot compute the tree's stored hashes for entries \(checked.firstSeq)…: \(error)"))
        }
        let group = SequencedGroup(firstSeq: checked.firstSeq, bytes: bytes, lengths: lengths, leafHashes: checked.leafHashes,
                                   storedHashes: stored, firstStoredIndex: StoredHashes.count(size: checked.firstSeq))
        return (group, next)
    }

    /// The root of the copy's tree of its first `size` entries, from its stored hashes on disk.
    package func root(size: Int64) throws(StoreError) -> Hash32 {
        waitForWrite()
        do {
            return try MerkleTree.rootHash(size: size, reader: store, hash: manifest.suite.hash)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.damaged, "\(store.layout.hashes): cannot compute the root of the first \(size) entries: \(error)")
        }
    }

    /// The stored line of entry `seq`.
    package func line(at seq: Int64) throws(StoreError) -> [UInt8] {
        waitForWrite()
        guard let line = try store.lines(in: seq..<(seq + 1)).first else {
            throw StoreError(.outOfRange, "\(directory): entry \(seq) is not in the copy (it holds \(size) entries)")
        }
        return line
    }

    /// The checkpoint of `size` entries the copy holds in `checkpoints/`, if any.
    package func checkpointNote(size: Int64?) throws(StoreError) -> String? { try store.checkpointNote(size: size) }

    /// Keeps the signed checkpoint `note` of `size` entries in the copy's `checkpoints/` (and as
    /// its latest when it is the largest), durably. The caller checked it against the copy's root.
    package func publish(checkpoint note: String, size: Int64) throws(StoreError) {
        waitForWrite()
        try store.publish(checkpoint: note, size: size)
    }

    /// Keeps the rules' state snapshot with the history's rows in memory beside it (so the next
    /// open replays little; ``LogAppender/saveSnapshot(state:)``) and releases the copy and its lock.
    package func close() {
        guard !closed else { return }
        waitForWrite()
        closed = true
        if refusal == nil && pending == nil && engine.state.size > snapshotSize {
            try? store.saveSnapshot(state: engine.state)  // else the next open replays from the last one
        }
        store.close()
    }

    /// Writes the history rows and the state snapshot; a failure is not fatal (the next open
    /// replays from the last snapshot written).
    private func flush() {
        guard engine.state.recentEventCount > 0 else { return }
        do {
            try store.flush(history: HistoryDelta(recentIn: engine.state), state: engine.state)
            engine.attach(history: store.history)
            snapshotSize = engine.state.size
        } catch {
            // Kept for the next try; the log itself is durable.
        }
    }

    private func refuse(_ error: StoreError) -> StoreError {
        if refusal == nil { refusal = error }
        return error
    }
}
