import Foundation
import LedgerCore
import LedgerCrypto

/// The writer's state and its committer thread. Separate from ``LedgerWriter`` so the thread can
/// hold it strongly while the public object's `deinit` still runs (and closes it).
final class WriterCore: @unchecked Sendable {
    /// Where the files are.
    let layout: LedgerLayout
    /// `ledger.json`.
    let manifest: LedgerManifest
    /// What opening the ledger found and repaired.
    let recovery: RecoveryReport
    /// The options it was opened with.
    let options: WriterOptions

    let files: LogFiles
    /// The state snapshot and the rules' history (`index/state.sqlite`).
    let history: HistoryFile
    private let lockFile: PosixFile
    private let condition = NSCondition()
    // Guarded by `condition`.
    private var queue: [Request] = []
    private var closing = false
    private var stopped: StoreError?
    private var committedSize: Int64
    private var thread: Thread?
    private var committerDone = false
    private var lockReleased = false
    // Owned by the committer thread once it runs.
    var state: LedgerState
    var frontier: TreeFrontier
    var segment: PosixFile
    var segmentSize: Int64
    /// What the entries sequenced since the last flush add to ``history``.
    var historyDelta = HistoryDelta()

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

    // MARK: - Opening

    static func open(directory: String, options: WriterOptions) throws(StoreError) -> WriterCore {
        let layout = LedgerLayout(directory: directory)
        let manifest = try LedgerManifest.read(layout)
        let lockFile = try takeLock(layout)
        let files = try LogFiles(layout: layout, writable: true)
        let (history, note) = try HistoryFile.open(path: layout.writerState)
        let recovered = try Recovery.run(files: files, manifest: manifest, history: history, historyNote: note)
        return WriterCore(layout: layout, manifest: manifest, files: files, history: history, lockFile: lockFile, recovered: recovered, options: options)
    }

    static func create(directory: String, genesis: SignedEvent, options: WriterOptions) throws(StoreError) -> WriterCore {
        guard case .genesis(let body) = genesis.event.body else {
            throw StoreError(.malformed, "a ledger starts with a ledger.genesis event, not \(genesis.event.type.rawValue)")
        }
        let layout = LedgerLayout(directory: directory)
        if Directory.exists(layout.manifest) {
            throw StoreError(.alreadyExists, "\(layout.directory) already holds a ledger (\(layout.manifest) exists); refusing to initialize over it")
        }
        if Directory.exists(layout.log), !(try Directory.list(layout.log)).isEmpty {
            throw StoreError(.alreadyExists, "\(layout.log) already holds segment files; refusing to initialize over them")
        }
        try Directory.create(layout.directory)
        for path in [layout.log, layout.index, layout.checkpoints] { try Directory.create(path) }
        let manifest = LedgerManifest(origin: body.origin, suite: body.suite, operatorKey: body.operator.key)
        _ = try PosixFile(path: layout.segment(firstSeq: 0), flags: O_WRONLY | O_CREAT)
        try Directory.sync(layout.log)
        try Directory.writeAtomically(manifest.bytes, to: layout.manifest, directory: layout.directory)
        let writer = try open(directory: directory, options: options)
        do {
            _ = try writer.appendBlocking([genesis])
        } catch {
            writer.close()
            throw error
        }
        return writer
    }

    private static func takeLock(_ layout: LedgerLayout) throws(StoreError) -> PosixFile {
        let file = try PosixFile(path: layout.lock, flags: O_RDWR | O_CREAT)
        guard try file.tryLockExclusive() else {
            let holder = String(decoding: (try? file.read(at: 0, count: 32)) ?? [], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw StoreError(.locked, "\(layout.directory) is open by another writer\(holder.isEmpty ? "" : " (pid \(holder))"); a ledger has one writer at a time. Readers (tail, verify, prove) work while it runs")
        }
        try file.truncate(to: 0)
        try file.write(Array("\(getpid())\n".utf8), at: 0)
        return file
    }

    private init(layout: LedgerLayout, manifest: LedgerManifest, files: LogFiles, history: HistoryFile, lockFile: PosixFile,
                 recovered: RecoveredLog, options: WriterOptions) {
        self.layout = layout
        self.manifest = manifest
        self.files = files
        self.history = history
        self.lockFile = lockFile
        self.options = options
        self.recovery = recovered.report
        self.state = recovered.state
        self.frontier = recovered.frontier
        self.segment = recovered.lastSegment
        self.segmentSize = recovered.lastSegmentSize
        self.committedSize = recovered.state.size
        // The thread holds the core until close() ends it.
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
        let release = !lockReleased
        lockReleased = true
        condition.unlock()
        if release {
            history.close()
            lockFile.unlock()
        }
    }

    // MARK: - State

    var size: Int64 { condition.lock(); defer { condition.unlock() }; return committedSize }

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
            refusal = StoreError(.closed, "\(layout.directory): the ledger writer is closed")
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
        let root = try MerkleTree.rootHash(size: size, reader: files.hashes, hash: manifest.suite.hash)
        let checkpoint = Checkpoint(origin: manifest.origin, size: size, root: root)
        let note = try NoteSigner(name: manifest.origin, key: operatorKey).sign(checkpoint.text).serialized
        try CheckpointStore(layout: layout, manifest: manifest).publish(note, size: size)
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
                prepared = PreparedGroup(group, keys: resolveKeys(group.flatMap(\.events), after: []), core: self)
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
                ahead = PreparedGroup(next, keys: resolveKeys(next.flatMap(\.events), after: prepared.group.flatMap(\.events)), core: self)
            }
            let results = commit(prepared.group, checked: checked)
            condition.lock()
            committedSize = state.size
            condition.unlock()
            for (request, result) in zip(prepared.group, results) { finish(request, result) }
            // After the receipts: no append waits for this.
            if historyDelta.entries >= options.snapshotEvery { flushHistory() }
        }
    }

    /// Writes the history rows and a snapshot of the state as of the last durable entry, so the
    /// next open replays only what follows. A failure is not fatal: the rows stay in memory and
    /// the next flush tries again (opening replays from the last snapshot that was written).
    func flushHistory() {
        guard historyDelta.entries > 0, currentStop() == nil else { return }
        do {
            try history.flush(historyDelta, size: state.size, leaf: state.lastLeafHash, state: state.snapshotBytes())
            state.attach(history: history)
            historyDelta.removeAll()
        } catch {
            // Kept for the next try; nothing acknowledged depends on it.
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
        var group: [Request] = []
        var events = 0
        while let next = queue.first, group.isEmpty || (options.durability != .always && events + next.events.count <= limit) {
            group.append(queue.removeFirst())
            events += next.events.count
        }
        return group
    }

    private func finishCommitter() {
        flushHistory()
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
