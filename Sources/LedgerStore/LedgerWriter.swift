import Foundation
import LedgerCore
import LedgerCrypto

/// The one writer of a ledger directory: appends signed events durably, with group commit.
///
/// Contract (DESIGN §7, §9):
/// - Only one writer per directory: it holds an exclusive OS lock on `writer.lock` while open.
/// - An event is checked against every integrity rule before anything is written; a rejected
///   event leaves every file byte-for-byte unchanged.
/// - An append MUST NOT return its receipt until the entry's bytes are durable (per the
///   ``WriterOptions/Durability`` policy; by default one fsync per group of concurrent appends).
/// - Appends from many threads or tasks are queued, and one committer thread takes all that
///   are waiting as one group: signatures are checked in parallel on every core, the events are
///   sequenced, written with one `write` and made durable with one fsync.
/// - A batch (`append([…])`) is all or nothing; the same event appended again returns its
///   original receipt; a different event under a used (author, id) is a conflict.
///
/// ```swift
/// let writer = try LedgerWriter.open(directory: "/var/lib/flowledger/exchange")
/// let receipt = try await writer.append([signedEvent])[0]
/// print(receipt.seq, receipt.leafHash.hex)
/// writer.close()
/// ```
package final class LedgerWriter: Sendable {
    private let core: Sequencer
    /// Where the files are (nil for a ledger in another store, e.g. PostgreSQL).
    package let layout: LedgerLayout?

    /// The store that keeps the log.
    package var store: any LogAppender { core.store }

    /// `ledger.json`.
    package var manifest: LedgerManifest { core.manifest }
    /// What opening the ledger found and repaired.
    package var recovery: RecoveryReport { core.recovery }
    /// The options it was opened with.
    package var options: WriterOptions { core.options }

    private init(core: Sequencer, layout: LedgerLayout?) {
        self.core = core
        self.layout = layout
    }

    /// Closes the writer if its owner did not.
    deinit { core.close() }

    /// Opens the ledger at `directory` as its writer: takes the lock, replays and checks the log,
    /// cuts a torn last line, repairs the derived files, and starts the committer.
    /// - Throws: ``StoreError/Code/locked`` if another process writes; ``StoreError/Code/damaged``
    ///   if the log breaks a rule anywhere but a torn last line.
    package static func open(directory: String, options: WriterOptions = WriterOptions()) throws(StoreError) -> LedgerWriter {
        let store = try SegmentStore.open(directory: directory, options: options)
        return LedgerWriter(core: try Sequencer(store: store, name: store.layout.directory, options: options), layout: store.layout)
    }

    /// Opens the ledger `store` keeps as its writer (`name` names it in messages): recovers the
    /// store (which elects this writer where the store has several) and starts the committer.
    package static func open(store: any LogAppender, name: String, options: WriterOptions = WriterOptions()) throws(StoreError) -> LedgerWriter {
        LedgerWriter(core: try Sequencer(store: store, name: name, options: options), layout: nil)
    }

    /// Starts the ledger in `store`, which holds an empty log, with entry 0 `genesis`.
    package static func create(store: any LogAppender, name: String, genesis: SignedEvent, options: WriterOptions = WriterOptions()) throws(StoreError) -> LedgerWriter {
        try open(store: store, name: name, options: options).starting(with: genesis)
    }

    /// This writer of an empty log, once `genesis` is its entry 0 (closed if that fails).
    private func starting(with genesis: SignedEvent) throws(StoreError) -> LedgerWriter {
        do {
            _ = try appendBlocking([genesis])
        } catch {
            close()
            throw error
        }
        return self
    }

    /// Creates a new ledger at `directory` (created if missing; it must not hold a ledger) whose
    /// entry 0 is `genesis`, signed by the operator key its body names.
    package static func create(directory: String, genesis: SignedEvent, options: WriterOptions = WriterOptions()) throws(StoreError) -> LedgerWriter {
        guard case .genesis(let body) = genesis.event.body else {
            throw StoreError(.malformed, "a ledger starts with a ledger.genesis event, not \(genesis.event.type.rawValue)")
        }
        let manifest = LedgerManifest(origin: body.origin, suite: body.suite, operatorKey: body.operator.key)
        let store = try SegmentStore.create(directory: directory, manifest: manifest, options: options)
        return try LedgerWriter(core: try Sequencer(store: store, name: store.layout.directory, options: options), layout: store.layout).starting(with: genesis)
    }

    /// Finishes the appends already queued, stops the committer and releases the lock.
    /// Appends after this fail with ``StoreError/Code/closed``.
    package func close() { core.close() }

    /// The number of durable entries.
    package var size: Int64 { core.size }

    /// The registered parties and their keys as of the last durable entry (who may sign requests).
    package var partyDirectory: PartyDirectory { core.partyDirectory }

    /// A reader of this ledger (for entries and proofs; safe to use while appending).
    package func reader() throws(StoreError) -> LedgerReader {
        guard let layout else { throw StoreError(.notALedger, "\(core.name) is not a ledger directory; read it through its store") }
        return try LedgerReader(directory: layout.directory)
    }

    /// Appends `events` as one all-or-nothing batch and waits until they are durable.
    /// - Returns: one receipt per event, in order (the original receipt for an event already
    ///   in the log).
    /// - Throws: ``StoreError`` with ``StoreError/batchIndex`` and ``StoreError/violation`` for a
    ///   rejected event (nothing of the batch is written), or an I/O error.
    package func appendBlocking(_ events: [SignedEvent]) throws(StoreError) -> [Receipt] { try core.appendBlocking(events) }

    /// Queues `events` as one all-or-nothing batch and returns at once; ``AppendTicket/wait()``
    /// gives the receipts once they are durable. With `after`, the batch is not attempted if the
    /// batch of that ticket was refused — so a caller can keep several batches in flight (and
    /// their signatures checked while the one before is written) and still stop at the first
    /// refusal, as `flowledger append` does.
    package func submit(_ events: [SignedEvent], after previous: AppendTicket? = nil) -> AppendTicket {
        core.submit(events, after: previous)
    }

    /// Appends `events` as one all-or-nothing batch; resumes once they are durable.
    /// See ``appendBlocking(_:)``.
    package func append(_ events: [SignedEvent]) async throws(StoreError) -> [Receipt] { try await core.append(events) }

    /// Publishes `note`, a checkpoint of `size` entries the caller signed with the operator key
    /// over this ledger's root at that size (and had cosigned), to `checkpoints/`, durably.
    package func publish(checkpoint note: String, size: Int64) throws(StoreError) {
        try core.store.publish(checkpoint: note, size: size)
    }

    /// Signs a checkpoint of the current size with the operator key and publishes it to
    /// `checkpoints/`.
    /// - Throws: ``StoreError/Code/wrongKey`` unless `operatorKey` is the key in `ledger.json`.
    package func checkpoint(operatorKey: PrivateKey) throws -> (checkpoint: Checkpoint, note: String) {
        try core.checkpoint(operatorKey: operatorKey)
    }
}
