import Foundation
import LedgerCore
import LedgerCrypto

/// The one sequencer of a log, whatever store keeps it (``LogAppender``): the queue of appends,
/// the integrity rules (``LedgerState``), canonical lines, leaf hashes, the Merkle tree's
/// frontier and group commit — everything but where the bytes go.
///
/// Contract:
/// - An event is checked against every integrity rule before anything is handed to the store;
///   a rejected event leaves the store as it was.
/// - An append MUST NOT return its receipt until ``LogAppender/commit(_:)`` returned for its
///   group (the store's durability contract).
/// - Appends from many threads or tasks are queued, and one committer thread takes all that are
///   waiting as one group: signatures are checked in parallel on every core while the group
///   before is committed.
/// - A batch is all or nothing; the same event again returns its original receipt; a different
///   event under a used (author, id) is a conflict.
///
/// Separate from ``LedgerWriter`` so the thread can hold it strongly while the public object's
/// `deinit` still runs (and closes it).
final class Sequencer: @unchecked Sendable {  // the committer's state is touched only on its thread; the rest under `condition`
    /// The store that keeps the log.
    let store: any LogAppender
    /// The log's manifest (origin, suite, operator key).
    var manifest: LedgerManifest { store.manifest }
    /// What opening the log found and repaired.
    let recovery: RecoveryReport
    /// The options it was opened with.
    let options: WriterOptions
    /// Names the log in messages.
    let name: String

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Request] = []
    private var closing = false
    private var stopped: StoreError?
    private var committedSize: Int64
    /// The position the store's snapshot describes (the last flush or save).
    private var snapshotSize: Int64
    private var directory: PartyDirectory
    private var thread: Thread?
    private var committerDone = false
    private var storeReleased = false
    // Owned by the committer thread once it runs.
    var state: LedgerState
    var frontier: TreeFrontier

    /// One append call waiting for the committer.
    final class Request: @unchecked Sendable {
        let events: [SignedEvent]
        /// Set when this request fails; a request submitted `after` it is then not attempted.
        let outcome = Outcome()
        let after: Outcome?
        let complete: (Result<[Receipt], StoreError>) -> Void
        init(events: [SignedEvent], after: Outcome?, complete: @escaping (Result<[Receipt], StoreError>) -> Void) {
            self.events = events
            self.after = after
            self.complete = complete
        }
    }

    /// The events of `group`, in order. A group of one request (a CLI batch, a library batch)
    /// shares its array instead of copying every event (retaining each of its fields).
    static func events(of group: [Request]) -> [SignedEvent] {
        group.count == 1 ? group[0].events : group.flatMap(\.events)
    }

    // MARK: - Opening

    /// Recovers `store` (see ``LogAppender/recover()``) and starts the committer; `name` names
    /// the log in messages (a directory, a database).
    init(store: any LogAppender, name: String, options: WriterOptions) throws(StoreError) {
        let recovered: RecoveredLog
        do {
            recovered = try store.recover()
        } catch {
            // A store held by another sequencer stays theirs; any other failure releases it.
            if error.code != .locked { store.close() }
            throw error
        }
        self.store = store
        self.name = name
        self.options = options
        self.recovery = recovered.report
        self.state = recovered.state
        self.frontier = recovered.frontier
        self.committedSize = recovered.state.size
        self.snapshotSize = recovered.state.size
        self.directory = PartyDirectory(recovered.state)
        // The thread holds the sequencer until close() ends it.
        let thread = Thread { [self] in self.runCommitter() }
        thread.name = "flowledger-committer"
        self.thread = thread
        thread.start()
    }

    func close() {
        condition.lock()
        closing = true
        condition.broadcast()
        while thread != nil && !committerDone { condition.wait() }
        let release = !storeReleased
        storeReleased = true
        condition.unlock()
        if release { store.close() }
    }

    // MARK: - State

    var size: Int64 { condition.lock(); defer { condition.unlock() }; return committedSize }

    /// The parties and keys as of the last durable entry.
    var partyDirectory: PartyDirectory { condition.lock(); defer { condition.unlock() }; return directory }

    // MARK: - Appending

    func appendBlocking(_ events: [SignedEvent]) throws(StoreError) -> [Receipt] {
        try submit(events, after: nil).wait()
    }

    func append(_ events: [SignedEvent]) async throws(StoreError) -> [Receipt] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[Receipt], StoreError>, Never>) in
            enqueue(events, after: nil) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    func submit(_ events: [SignedEvent], after previous: AppendTicket?) -> AppendTicket {
        let ticket = AppendTicket()
        ticket.outcome = enqueue(events, after: previous?.outcome) { ticket.finish($0) }
        return ticket
    }

    /// Queues a request for the committer; `complete` runs once it is durable or refused.
    @discardableResult
    private func enqueue(_ events: [SignedEvent], after: Outcome?, complete: @escaping (Result<[Receipt], StoreError>) -> Void) -> Outcome {
        let request = Request(events: events, after: after, complete: complete)
        condition.lock()
        let refusal: StoreError?
        if events.isEmpty {
            refusal = nil  // nothing to do: an empty batch succeeds at once
        } else if let stopped {
            refusal = stopped
        } else if closing {
            refusal = StoreError(.closed, "\(name): the ledger writer is closed")
        } else {
            queue.append(request)
            condition.signal()
            condition.unlock()
            return request.outcome
        }
        condition.unlock()
        finish(request, refusal.map { .failure($0) } ?? .success([]))
        return request.outcome
    }

    /// Completes a request, recording a failure for the requests that depend on it.
    func finish(_ request: Request, _ result: Result<[Receipt], StoreError>) {
        if case .failure = result { request.outcome.markFailed() }
        request.complete(result)
    }

    // MARK: - Checkpoints

    func checkpoint(operatorKey: PrivateKey) throws -> (checkpoint: Checkpoint, note: String) {
        guard operatorKey.publicKey == manifest.operatorKey else {
            throw StoreError(.wrongKey, "the key given (key id \(operatorKey.publicKey.keyID)) is not this ledger's operator key (key id \(manifest.operatorKey.keyID)); checkpoints are signed by the operator")
        }
        let size = self.size
        let root = try MerkleTree.rootHash(size: size, reader: store, hash: manifest.suite.hash)
        let checkpoint = Checkpoint(origin: manifest.origin, size: size, root: root)
        // The latest published is of this size already (no entry since): it stands as it is,
        // with any witnesses' cosignatures. Signed and published again, it was replaced by a
        // note with the operator's line alone, so a verifier that requires a witness failed,
        // and `serve` never asks witnesses again for a size it has.
        // (Kept only if it still verifies under the operator's key: a damaged one is replaced.)
        if let published = try store.checkpointNote(size: nil),
           let verifier = try? manifest.operatorVerifierKey(),
           let (parsed, _) = try? Checkpoint.open(Array(published.utf8), verifiers: [verifier], origin: manifest.origin), parsed == checkpoint {
            return (checkpoint, published)
        }
        let note = try NoteSigner(name: manifest.origin, key: operatorKey).sign(checkpoint.text).serialized
        try store.publish(checkpoint: note, size: size)
        return (checkpoint, note)
    }

    // MARK: - The committer

    /// The committer loop, pipelined: while one group is sequenced, written and synced on this
    /// thread, the signatures of the next group (what queued up meanwhile) are already being
    /// checked on the other cores.
    private func runCommitter() {
        var ahead: PreparedGroup?
        while true {
            let prepared: PreparedGroup
            if let ahead {
                prepared = ahead
            } else {
                guard let group = takeGroup(waiting: true) else { return finishCommitter() }
                prepared = PreparedGroup(group, keys: resolveKeys(Self.events(of: group), after: []), sequencer: self)
            }
            ahead = nil
            if let stopped = currentStop() {
                for request in prepared.group { finish(request, .failure(stopped)) }
                continue
            }
            let checked = prepared.wait()
            // What queued up while these signatures were checked is checked now, on the other
            // cores, while this group is sequenced, written and synced here.
            if let next = takeGroup(waiting: false) {
                ahead = PreparedGroup(next, keys: resolveKeys(Self.events(of: next), after: Self.events(of: prepared.group)), sequencer: self)
            }
            let results = commit(prepared.group, checked: checked)
            condition.lock()
            committedSize = state.size
            directory = PartyDirectory(state)
            condition.unlock()
            for (request, result) in zip(prepared.group, results) { finish(request, result) }
            // After the receipts: no append waits for this.
            if state.recentEventCount >= options.snapshotInterval(size: state.size) { flushHistory() }
        }
    }

    /// Writes the history rows and a snapshot of the state as of the last durable entry, so the
    /// next open replays only what follows. A failure is not fatal: the rows stay in memory and
    /// the next flush tries again (opening replays from the last snapshot that was written).
    private func flushHistory() {
        guard state.recentEventCount > 0, currentStop() == nil else { return }
        do {
            try store.flush(history: HistoryDelta(recentIn: state), state: state)
            state.attach(history: store.history)
            snapshotSize = state.size
        } catch {
            // Kept for the next try; nothing acknowledged depends on it.
        }
    }

    /// At close: keeps a snapshot of the state as of the last durable entry with the history's
    /// rows still in memory (``LogAppender/saveSnapshot(state:)``: beside it, a sequential write,
    /// where writing them into the history's B-tree cost a closing writer of a large ledger a
    /// third of a second). A failure is not fatal: opening replays from the last snapshot.
    private func saveSnapshot() {
        guard state.size > snapshotSize, currentStop() == nil else { return }
        do {
            try store.saveSnapshot(state: state)
            snapshotSize = state.size
        } catch {
            // The next open replays the entries since the last snapshot written.
        }
    }

    /// The requests waiting, up to the batch limit (one request under `.always`); nil when the
    /// writer is closing and nothing is left. Waits for work when `waiting`.
    ///
    /// When the pipeline is empty (`waiting`), it takes only half of what is queued: the rest is
    /// then checked while this half is written, and the appenders this half releases queue up
    /// behind it — so many small appenders (one event each) keep both stages busy instead of
    /// all waiting in one group.
    private func takeGroup(waiting: Bool) -> [Request]? {
        condition.lock()
        defer { condition.unlock() }
        while waiting && queue.isEmpty && !closing { condition.wait() }
        if queue.isEmpty { return nil }
        var limit = options.maxBatchEvents
        if waiting && queue.count > 1 { limit = min(limit, queue.reduce(0) { $0 + $1.events.count } / 2) }
        // How many requests from the front fit; they leave the queue in one move (one
        // removeFirst per request shifted the whole queue each time: quadratic in a long queue).
        var taken = 0
        var events = 0
        while taken < queue.count, taken == 0 || (options.durability != .always && events + queue[taken].events.count <= limit) {
            events += queue[taken].events.count
            taken += 1
        }
        let group = Array(queue.prefix(taken))
        queue.removeFirst(taken)
        return group
    }

    private func finishCommitter() {
        saveSnapshot()
        condition.lock()
        committerDone = true
        condition.broadcast()
        condition.unlock()
    }

    private func currentStop() -> StoreError? {
        condition.lock()
        defer { condition.unlock() }
        return stopped
    }

    func stop(_ error: StoreError) {
        condition.lock()
        if stopped == nil { stopped = error }
        condition.unlock()
    }
}
