import LedgerCore
import LedgerCrypto
import LedgerStore
import Synchronization

/// The ledger as `flowledger serve` holds it: its one writer, a reader of durable lines, the
/// latest published checkpoint, and the signal every live follower and checkpoint waiter waits
/// on. Shared by every request handler.
package final class ServedLedger: Sendable {
    /// How the service runs.
    package let options: ServeOptions
    /// The ledger's one writer (the service holds the writer lock while it runs).
    package let writer: LedgerWriter
    /// Reads stored lines; only ever up to ``durableSize``.
    package let reader: LedgerReader
    /// Proofs against published checkpoints, each checked before it is served.
    package let proofs: ProofService
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
        writer = try LedgerWriter.open(directory: options.directory, options: writerOptions)
        reader = try writer.reader()
        proofs = ProofService(reader: reader)
        var latest: (Int64, String)?
        if try !reader.checkpoints.sizes().isEmpty {
            let (checkpoint, note) = try reader.checkpoints.load()
            latest = (checkpoint.size, note)
        }
        state = Mutex(State(latest: latest))
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
        if reader.size < end { try reader.refresh() }
        return try reader.lines(in: range.lowerBound..<end)
    }
}
