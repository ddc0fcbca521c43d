import Foundation
import LedgerCore
import LedgerCrypto
import LedgerPostgres
import LedgerStore
import Synchronization

/// The ledger as `flowledger serve` holds it: its writer (or, for a front end, a follower of
/// the log another process writes), a reader of durable lines, the latest published checkpoint,
/// and the signal every live follower and checkpoint waiter waits on. Shared by every request
/// handler.
///
/// The ledger is a directory, or a PostgreSQL store (`options.directory` is then its
/// `postgres://` URL). A store has one writer at a time; a `serve` that finds another holding
/// it runs as a **front end**: it serves reads from the store, checks request signatures
/// against a ``LedgerFollower`` of the log, and hands its appends to the writer's `serve`
/// (at the URL the writer advertises in `log_head`). ``superviseRole()`` makes this `serve`
/// the writer when the writer's lock is free — after the writer stepped down (deposed, or a
/// COMMIT of unknown outcome after its primary failed) or its process went away; appends in
/// between are answered 503, and clients retry.
package final class ServedLedger: Sendable {
    /// How the service runs.
    package let options: ServeOptions
    /// The ledger's manifest (origin, suite, operator key).
    package let manifest: LedgerManifest
    /// The ledger's writer, held while the service runs; nil on a front end (another process
    /// writes the store).
    package var writer: LedgerWriter? { current.withLock { if case .writer(let writer) = $0.role { writer } else { nil } } }
    /// Reads stored lines; only ever up to ``durableSize``.
    package var log: any ServedLog { current.withLock { $0.log } }
    /// Proofs against published checkpoints, each checked before it is served.
    package var proofs: ProofService { ProofService(log: log) }
    /// The PostgreSQL store, when the ledger is kept there.
    package var store: PostgresStore? { current.withLock { $0.log as? PostgresStore } }
    /// ``writer`` and ``store`` read together, so an append judges a step-down by the store of
    /// the writer it went to even when the supervisor replaces both in between.
    package var writerAndStore: (writer: LedgerWriter?, store: PostgresStore?) {
        current.withLock {
            if case .writer(let writer) = $0.role { (writer, $0.log as? PostgresStore) } else { (nil, $0.log as? PostgresStore) }
        }
    }

    /// What this `serve` is to the ledger.
    private enum Role {
        /// Its one writer.
        case writer(LedgerWriter)
        /// A front end of a store another process writes.
        case frontEnd(LedgerFollower)
    }

    /// The role and what reads alongside it, replaced together.
    private struct Current: @unchecked Sendable {  // LedgerWriter, LedgerFollower and the logs are thread-safe
        var role: Role
        var log: any ServedLog
    }
    private let current: Mutex<Current>
    /// When a request by an unknown key last made a front end catch up (see
    /// ``catchUpFrontEndForUnknownKey()``).
    private let lastUnknownKeyCatchUp = Mutex<ContinuousClock.Instant?>(nil)
    /// Advanced when entries become durable, when a checkpoint is published, and when the service
    /// stops: what followers and `?wait=checkpoint` appends wait on.
    package let changes = ChangeSignal()
    /// The service's counters.
    package let metrics: ServiceMetrics

    private struct State {
        var stopping = false
        var queuedAppends = 0
        var followers = 0
        var latest: (size: Int64, note: String)?
        /// Where this `serve` takes appends, once it listens.
        var url: String?
        /// When a front end last tried to become the writer.
        var lastElection: ContinuousClock.Instant?
        /// Where a front end hands its appends (``writerURL()``); nil: read it again.
        var writerURL: String?
        /// A front end's wake-ups on the store's notifications (``watchFrontEnd()``).
        var frontEndWatch: Task<Void, Never>?
    }
    private let state: Mutex<State>

    /// How often a front end tries to take the writer's lock (each try is a connection to the primary).
    package static let electionInterval: Duration = .seconds(1)

    /// Opens `options.directory` as its writer (or, for a store another process writes, as a front end).
    package init(options: ServeOptions, metrics: ServiceMetrics, writerOptions: WriterOptions = WriterOptions()) throws {
        self.options = options
        self.metrics = metrics
        self.writerOptions = writerOptions
        let opened = try Self.open(options, writerOptions: writerOptions)
        manifest = opened.log.manifest
        current = Mutex(opened)
        state = Mutex(State(latest: try Self.latestPublished(in: opened.log, unless: nil)))
        watchFrontEnd()
    }

    private let writerOptions: WriterOptions

    /// On a front end, catches up as soon as the store says it grew (LISTEN/NOTIFY on a
    /// primary, a 200 ms poll on a standby), so live followers here lag the writer by a round
    /// trip rather than by the supervisor's interval.
    private func watchFrontEnd() {
        guard isFrontEnd, let store else { return }
        let changes = store.sizeChanges()
        let task = Task { [weak self] in
            for await _ in changes {
                guard let self, !Task.isCancelled else { return }
                _ = self.catchUpFrontEnd()
            }
        }
        state.withLock { state in
            state.frontEndWatch?.cancel()
            state.frontEndWatch = task
        }
    }

    /// Opens the ledger `options` names as its writer; a store whose writer's lock another
    /// process holds, as a front end.
    private static func open(_ options: ServeOptions, writerOptions: WriterOptions) throws -> Current {
        guard PostgresAddress.isStore(options.directory) else {
            let writer = try LedgerWriter.open(directory: options.directory, options: writerOptions)
            return Current(role: .writer(writer), log: DirectoryLog(try writer.reader()))
        }
        let address = try PostgresAddress(options.directory)
        do {
            return try openWriter(address, writerOptions: writerOptions)
        } catch let error as StoreError where error.code == .locked {
            return try openFrontEnd(address)
        }
    }

    /// Elects this `serve` the writer of the store at `address`.
    /// - Throws: ``StoreError/Code/locked`` while another writer holds it.
    private static func openWriter(_ address: PostgresAddress, writerOptions: WriterOptions) throws -> Current {
        let store = try PostgresStore.open(address: address, writerName: "flowledger serve pid \(getpid()) on \(ProcessInfo.processInfo.hostName)")
        do {
            let writer = try LedgerWriter.open(store: store, name: address.description, options: writerOptions)
            return Current(role: .writer(writer), log: store)
        } catch {
            store.close()
            throw error
        }
    }

    /// Follows the store at `address` (on whichever server answers first, a standby included).
    private static func openFrontEnd(_ address: PostgresAddress) throws -> Current {
        let store = try PostgresStore.openReader(address: address)
        do {
            let start = try store.followerStart()
            let follower = LedgerFollower(reader: store, resuming: start.state, history: start.history)
            try follower.catchUp()
            return Current(role: .frontEnd(follower), log: store)
        } catch {
            store.close()
            throw error
        }
    }

    /// Why the writer stopped taking appends, if its store stepped it down.
    package var stepDownReason: StoreError? { writer == nil ? nil : store?.stopReason }

    /// Whether this `serve` is a front end of a store another process writes.
    package var isFrontEnd: Bool { writer == nil }

    /// The registered parties and their keys as of the last durable entry.
    package var partyDirectory: PartyDirectory {
        current.withLock {
            switch $0.role {
            case .writer(let writer): writer.partyDirectory
            case .frontEnd(let follower): follower.partyDirectory
            }
        }
    }

    /// The URL the store's writer takes appends at (a front end hands its appends there), as
    /// last read from `log_head` (every ``WriterSupervisor/interval`` on a front end).
    package func writerURL() throws(StoreError) -> String? {
        if let known = state.withLock({ $0.writerURL }) { return known }
        let url = try store?.writerURL()
        state.withLock { $0.writerURL = url }
        return url
    }

    /// Records where this `serve` listens, and advertises it in the store while it is the writer.
    package func listening(at url: String) {
        state.withLock { $0.url = url }
        advertiseIfWriter()
    }

    /// Records in the store where this `serve` takes appends (``ServeOptions/advertisedURL``,
    /// else where it listens), when it is the writer and listens already.
    private func advertiseIfWriter() {
        guard writer != nil, let store, let url = options.advertisedURL ?? state.withLock({ $0.url }) else { return }
        try? store.advertise(url: url)
    }

    /// The follower, on a front end.
    private var follower: LedgerFollower? {
        current.withLock { if case .frontEnd(let follower) = $0.role { follower } else { nil } }
    }

    /// Keeps the role current; called every ``WriterSupervisor/interval``. A stepped-down
    /// writer elects a new one (this `serve` again if it can take the lock, else it becomes a
    /// front end); a front end catches up with the log and, every ``electionInterval``, tries to
    /// become the writer. Returns what changed, for the log; throws what failed (tried again).
    package func superviseRole() throws -> String? {
        guard !isStopping, PostgresAddress.isStore(options.directory), let address = try? PostgresAddress(options.directory) else { return nil }
        if stepDownReason != nil {
            do {
                try replace(with: Self.openWriter(address, writerOptions: writerOptions))
                return "elected writer of \(store?.name ?? "?"), epoch \(store?.writerEpoch ?? 0), size \(durableSize)"
            } catch let error as StoreError where error.code == .locked {
                try replace(with: Self.openFrontEnd(address))
                return "another serve is the writer now (\(error.message)); this one is a front end"
            }
        }
        guard let follower else { return nil }
        let now = ContinuousClock.now
        let due = state.withLock { state in
            guard state.lastElection.map({ now - $0 >= Self.electionInterval }) ?? true else { return false }
            state.lastElection = now
            return true
        }
        if due, store?.writerLockHeld() != true {
            do {
                try replace(with: Self.openWriter(address, writerOptions: writerOptions))
                return "the writer's lock was free: elected writer of \(store?.name ?? "?"), epoch \(store?.writerEpoch ?? 0), size \(durableSize)"
            } catch let error as StoreError where error.code == .locked {
                // Another process writes: stay a front end.
            } catch {
                // The primary is unreachable (a failover under way): keep serving reads.
            }
        }
        do {
            if try follower.catchUp() { changes.advance() }
            try refreshLatestCheckpoint()
            let url = try store?.writerURL()
            state.withLock { $0.writerURL = url }
        } catch {
            // The server read from went away: follow through whichever answers now.
            try replace(with: Self.openFrontEnd(address))
            return "followed the log again after a read failed: \(error)"
        }
        return nil
    }

    /// On a front end, replays what the writer committed since the last look; returns whether
    /// anything was new (false on a writer, which is always current).
    package func catchUpFrontEnd() -> Bool {
        guard let follower, (try? follower.catchUp()) == true else { return false }
        changes.advance()
        return true
    }

    /// ``catchUpFrontEnd()`` for a request signed by a key the front end does not know (a party
    /// registered a moment ago, perhaps), at most once per 100 ms: a stranger's flood of made-up
    /// key ids must not become a flood of database queries.
    package func catchUpFrontEndForUnknownKey() -> Bool {
        let now = ContinuousClock.now
        let due = lastUnknownKeyCatchUp.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        return due && catchUpFrontEnd()
    }

    /// Takes the latest checkpoint the writer published into the store.
    private func refreshLatestCheckpoint() throws {
        guard let (size, note) = try Self.latestPublished(in: log, unless: latestCheckpoint?.note),
              size > (latestCheckpoint?.size ?? -1), size <= durableSize else { return }
        published(size: size, note: note)
    }

    /// The size and note of `log`'s latest published checkpoint, its signature checked; nil when
    /// none is published, or when it is still the note `known` (not opened again).
    private static func latestPublished(in log: any ServedLog, unless known: String?) throws -> (size: Int64, note: String)? {
        guard let note = try log.checkpointNote(size: nil), note != known else { return nil }
        return (try log.opened(note, size: nil).size, note)
    }

    /// Puts `replacement` in place of the current role, closing the one before.
    private func replace(with replacement: Current) throws {
        let old = current.withLock { current in
            defer { current = replacement }
            return current
        }
        state.withLock { state in
            state.frontEndWatch?.cancel()
            state.frontEndWatch = nil
        }
        Self.close(old)
        advertiseIfWriter()
        watchFrontEnd()
        changes.advance()
    }

    private static func close(_ current: Current) {
        switch current.role {
        case .writer(let writer): writer.close()
        case .frontEnd: (current.log as? PostgresStore)?.close()
        }
    }

    /// Releases the ledger: closes the writer (or the front end's store).
    package func close() {
        state.withLock { $0.frontEndWatch?.cancel() }
        Self.close(current.withLock { $0 })
    }

    /// The number of durable entries: nothing beyond it is ever served.
    package var durableSize: Int64 {
        current.withLock {
            switch $0.role {
            case .writer(let writer): writer.size
            case .frontEnd(let follower): follower.size
            }
        }
    }

    /// The latest published checkpoint: its size and signed note.
    package var latestCheckpoint: (size: Int64, note: String)? { state.withLock { $0.latest } }

    /// Records a newly published checkpoint and wakes its waiters.
    package func published(size: Int64, note: String) {
        state.withLock { $0.latest = (size, note) }
        changes.advance()
    }

    /// Whether the service is stopping: new appends are refused, streams end.
    package var isStopping: Bool { state.withLock { $0.stopping } }

    /// Stops taking appends and ends every live stream (graceful shutdown).
    package func stop() {
        state.withLock { $0.stopping = true }
        changes.stop()
    }

    /// Counts an append into the queue, unless the service stops or the queue is full.
    package func enterAppend() throws(AppendQueueRefusal) {
        let depth = try state.withLock { state throws(AppendQueueRefusal) in
            if state.stopping { throw .stopping }
            if state.queuedAppends >= options.maxQueuedAppends { throw .queueFull }
            state.queuedAppends += 1
            return state.queuedAppends
        }
        metrics.queueDepth.record(Double(depth))
    }

    /// Counts an append out of the queue.
    package func leaveAppend() {
        let depth = state.withLock { state in
            state.queuedAppends -= 1
            return state.queuedAppends
        }
        metrics.queueDepth.record(Double(depth))
    }

    /// Counts a live follower in (`true`) or out, for the metrics.
    package func follower(joined: Bool) {
        let count = state.withLock { state in
            state.followers += joined ? 1 : -1
            return state.followers
        }
        metrics.followers.record(count)
    }

    /// Why an append was not queued.
    package enum AppendQueueRefusal: Error {
        /// The service is shutting down.
        case stopping
        /// Too many appends wait already.
        case queueFull
    }

    /// The stored lines `range` (clamped to what is durable).
    package func durableLines(_ range: Range<Int64>) throws -> [[UInt8]] {
        let end = min(range.upperBound, durableSize)
        guard range.lowerBound < end else { return [] }
        return try log.lines(in: range.lowerBound..<end)
    }
}
