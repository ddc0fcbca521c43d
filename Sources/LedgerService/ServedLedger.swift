import Foundation
import LedgerCore
import LedgerCrypto
import LedgerPostgres
import LedgerStore
import Synchronization

/// The ledger as `flowledger serve` holds it: its one writer, a reader of durable lines, the
/// latest published checkpoint, and the signal every live follower and checkpoint waiter waits
/// on. Shared by every request handler.
///
/// The ledger is a directory, or a PostgreSQL store (`options.directory` is then its
/// `postgres://` URL). A PostgreSQL writer that steps down — deposed by another, or a COMMIT of
/// unknown outcome after its primary failed — is replaced by ``replaceWriterIfSteppedDown()``,
/// which elects a new one on whichever server is now the primary; appends in between are
/// answered 503, and clients retry.
package final class ServedLedger: Sendable {
    /// How the service runs.
    package let options: ServeOptions
    /// The ledger's one writer (the service holds the writer lock while it runs).
    package var writer: LedgerWriter { current.withLock { $0.writer } }
    /// Reads stored lines; only ever up to ``durableSize``.
    package var log: any ServedLog { current.withLock { $0.log } }
    /// Proofs against published checkpoints, each checked before it is served.
    package var proofs: ProofService { ProofService(log: log) }
    /// The PostgreSQL store, when the ledger is kept there.
    package var store: PostgresStore? { current.withLock { $0.log as? PostgresStore } }

    /// The writer and what reads alongside it, replaced together.
    private struct Current: @unchecked Sendable {  // LedgerWriter and the logs are thread-safe
        var writer: LedgerWriter
        var log: any ServedLog
    }
    private let current: Mutex<Current>
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
    }
    private let state: Mutex<State>

    /// Opens `options.directory` as its writer.
    package init(options: ServeOptions, metrics: ServiceMetrics, writerOptions: WriterOptions = WriterOptions()) throws {
        self.options = options
        self.metrics = metrics
        self.writerOptions = writerOptions
        let opened = try Self.open(options, writerOptions: writerOptions)
        current = Mutex(opened)
        var latest: (Int64, String)?
        if try opened.log.checkpointNote(size: nil) != nil {
            let (checkpoint, note) = try opened.log.checkpoint(size: nil)
            latest = (checkpoint.size, note)
        }
        state = Mutex(State(latest: latest))
    }

    private let writerOptions: WriterOptions

    /// Opens the ledger `options` names as its writer.
    private static func open(_ options: ServeOptions, writerOptions: WriterOptions) throws -> Current {
        if PostgresAddress.isStore(options.directory) {
            let address = try PostgresAddress(options.directory)
            let store = try PostgresStore.open(address: address, writerName: "flowledger serve pid \(getpid()) on \(ProcessInfo.processInfo.hostName)")
            let writer = try LedgerWriter.open(store: store, name: address.description, options: writerOptions)
            return Current(writer: writer, log: store)
        }
        let writer = try LedgerWriter.open(directory: options.directory, options: writerOptions)
        return Current(writer: writer, log: DirectoryLog(try writer.reader()))
    }

    /// Why the writer stopped taking appends, if its store stepped it down.
    package var stepDownReason: StoreError? { store?.stopReason }

    /// When the PostgreSQL writer stepped down, elects a new one (on whichever server is now the
    /// primary) and puts it in place; returns whether it did. Throws when no new writer can be
    /// elected yet (the caller tries again).
    @discardableResult
    package func replaceWriterIfSteppedDown() throws -> Bool {
        guard !isStopping, stepDownReason != nil else { return false }
        let replacement = try Self.open(options, writerOptions: writerOptions)
        let old = current.withLock { current in
            defer { current = replacement }
            return current.writer
        }
        old.close()
        changes.advance()
        return true
    }

    /// The ledger's manifest (origin, suite, operator key).
    package var manifest: LedgerManifest { writer.manifest }

    /// The number of durable entries: nothing beyond it is ever served.
    package var durableSize: Int64 { writer.size }

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
