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
public final class LedgerWriter: Sendable {
    private let core: WriterCore

    /// Where the files are.
    public var layout: LedgerLayout { core.layout }
    /// `ledger.json`.
    public var manifest: LedgerManifest { core.manifest }
    /// What opening the ledger found and repaired.
    public var recovery: RecoveryReport { core.recovery }
    /// The options it was opened with.
    public var options: WriterOptions { core.options }

    private init(core: WriterCore) { self.core = core }

    /// Closes the writer if its owner did not.
    deinit { core.close() }

    /// Opens the ledger at `directory` as its writer: takes the lock, replays and checks the log,
    /// cuts a torn last line, repairs the derived files, and starts the committer.
    /// - Throws: ``StoreError/Code/locked`` if another process writes; ``StoreError/Code/damaged``
    ///   if the log breaks a rule anywhere but a torn last line.
    public static func open(directory: String, options: WriterOptions = WriterOptions()) throws(StoreError) -> LedgerWriter {
        LedgerWriter(core: try WriterCore.open(directory: directory, options: options))
    }

    /// Creates a new ledger at `directory` (created if missing; it must not hold a ledger) whose
    /// entry 0 is `genesis`, signed by the operator key its body names.
    public static func create(directory: String, genesis: SignedEvent, options: WriterOptions = WriterOptions()) throws(StoreError) -> LedgerWriter {
        LedgerWriter(core: try WriterCore.create(directory: directory, genesis: genesis, options: options))
    }

    /// Finishes the appends already queued, stops the committer and releases the lock.
    /// Appends after this fail with ``StoreError/Code/closed``.
    public func close() { core.close() }

    /// The number of durable entries.
    public var size: Int64 { core.size }

    /// A reader of this ledger (for entries and proofs; safe to use while appending).
    public func reader() throws(StoreError) -> LedgerReader { try LedgerReader(directory: layout.directory) }

    /// Appends `events` as one all-or-nothing batch and waits until they are durable.
    /// - Returns: one receipt per event, in order (the original receipt for an event already
    ///   in the log).
    /// - Throws: ``StoreError`` with ``StoreError/batchIndex`` and ``StoreError/violation`` for a
    ///   rejected event (nothing of the batch is written), or an I/O error.
    public func appendBlocking(_ events: [SignedEvent]) throws(StoreError) -> [Receipt] { try core.appendBlocking(events) }

    /// Appends `events` as one all-or-nothing batch; resumes once they are durable.
    /// See ``appendBlocking(_:)``.
    public func append(_ events: [SignedEvent]) async throws(StoreError) -> [Receipt] { try await core.append(events) }

    /// Signs a checkpoint of the current size with the operator key and publishes it to
    /// `checkpoints/`.
    /// - Throws: ``StoreError/Code/wrongKey`` unless `operatorKey` is the key in `ledger.json`.
    public func checkpoint(operatorKey: PrivateKey) throws -> (checkpoint: Checkpoint, note: String) {
        try core.checkpoint(operatorKey: operatorKey)
    }
}

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
    private var state: LedgerState
    private var frontier: TreeFrontier
    private var segment: PosixFile
    private var segmentSize: Int64

    private final class Request: @unchecked Sendable {
        let events: [SignedEvent]
        let complete: (Result<[Receipt], StoreError>) -> Void
        init(events: [SignedEvent], complete: @escaping (Result<[Receipt], StoreError>) -> Void) {
            self.events = events
            self.complete = complete
        }
    }

    // MARK: - Opening

    static func open(directory: String, options: WriterOptions) throws(StoreError) -> WriterCore {
        let layout = LedgerLayout(directory: directory)
        let manifest = try LedgerManifest.read(layout)
        let lockFile = try takeLock(layout)
        let files = try LogFiles(layout: layout, writable: true)
        let recovered = try Recovery.run(files: files, manifest: manifest)
        return WriterCore(layout: layout, manifest: manifest, files: files, lockFile: lockFile, recovered: recovered, options: options)
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

    private init(layout: LedgerLayout, manifest: LedgerManifest, files: LogFiles, lockFile: PosixFile, recovered: RecoveredLog, options: WriterOptions) {
        self.layout = layout
        self.manifest = manifest
        self.files = files
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
        if release { lockFile.unlock() }
    }

    // MARK: - State

    var size: Int64 { condition.lock(); defer { condition.unlock() }; return committedSize }

    // MARK: - Appending

    func appendBlocking(_ events: [SignedEvent]) throws(StoreError) -> [Receipt] {
        let done = DispatchSemaphore(value: 0)
        let box = ResultBox()
        submit(events) { result in
            box.result = result
            done.signal()
        }
        done.wait()
        return try box.result!.get()
    }

    func append(_ events: [SignedEvent]) async throws(StoreError) -> [Receipt] {
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[Receipt], StoreError>, Never>) in
            submit(events) { continuation.resume(returning: $0) }
        }
        return try result.get()
    }

    private final class ResultBox: @unchecked Sendable { var result: Result<[Receipt], StoreError>? }

    private func submit(_ events: [SignedEvent], complete: @escaping (Result<[Receipt], StoreError>) -> Void) {
        guard !events.isEmpty else { return complete(.success([])) }
        condition.lock()
        if let stopped {
            condition.unlock()
            return complete(.failure(stopped))
        }
        if closing {
            condition.unlock()
            return complete(.failure(StoreError(.closed, "\(layout.directory): the ledger writer is closed")))
        }
        queue.append(Request(events: events, complete: complete))
        condition.signal()
        condition.unlock()
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

    private func runCommitter() {
        while true {
            condition.lock()
            while queue.isEmpty && !closing { condition.wait() }
            if queue.isEmpty {
                committerDone = true
                condition.broadcast()
                condition.unlock()
                return
            }
            var group: [Request] = []
            var events = 0
            while let next = queue.first, group.isEmpty || (options.durability != .always && events + next.events.count <= options.maxBatchEvents) {
                group.append(queue.removeFirst())
                events += next.events.count
            }
            let stopped = self.stopped
            condition.unlock()
            if let stopped {
                for request in group { request.complete(.failure(stopped)) }
                continue
            }
            let results = commit(group)
            condition.lock()
            committedSize = state.size
            condition.unlock()
            for (request, result) in zip(group, results) { request.complete(result) }
        }
    }

    /// Sequences, writes and syncs one group of requests; returns each request's outcome.
    private func commit(_ group: [Request]) -> [Result<[Receipt], StoreError>] {
        let events = group.flatMap(\.events)
        let checked = verifySignatures(events)
        let base = state.size
        let groupMark = state.mark
        let now = options.clock()
        var buffer: [UInt8] = []
        var lengths: [Int64] = []
        var leaves: [Hash32] = []
        var pending: [Event] = []
        var results: [Result<[Receipt], StoreError>] = []
        var first = 0
        for request in group {
            let mark = state.mark
            let rewind = (buffer.count, lengths.count)
            var receipts: [Receipt] = []
            var failed: StoreError?
            for (index, signed) in request.events.enumerated() {
                do {
                    receipts.append(try admit(signed, checked: checked[first + index], base: base, now: now,
                                              buffer: &buffer, lengths: &lengths, leaves: &leaves, pending: &pending))
                } catch {
                    failed = error.inBatch(at: index)
                    break
                }
            }
            first += request.events.count
            if let failed {
                state.rollback(to: mark)
                buffer.removeLast(buffer.count - rewind.0)
                lengths.removeLast(lengths.count - rewind.1)
                leaves.removeLast(leaves.count - rewind.1)
                pending.removeLast(pending.count - rewind.1)
                results.append(.failure(failed))
            } else {
                results.append(.success(receipts))
            }
        }
        if !buffer.isEmpty {
            do {
                try write(buffer, lengths: lengths, leaves: leaves, base: base)
            } catch {
                state.rollback(to: groupMark)
                return results.map { $0.flatMap { _ in .failure(error) } }
            }
        }
        state.commit()
        return results
    }

    /// An event's canonical bytes and whether its signature holds (nil: no key to check with).
    private struct Checked {
        let canonicalEvent: [UInt8]
        let valid: Bool?
    }

    /// Encodes every event of the group and checks its signature, in parallel on all cores,
    /// under the key the event names: the registered key, or one registered earlier in the
    /// same group. The canonical bytes are kept for the entry line, so no event is encoded twice.
    private func verifySignatures(_ events: [SignedEvent]) -> [Checked] {
        var introduced: [String: PublicKey] = [:]
        let keys = events.map { signed -> PublicKey? in
            let key = state.verificationKey(for: signed.event) ?? introduced[signed.event.keyID]
            switch signed.event.body {
            case .partyRegistered(let body): introduced[body.key.keyID] = body.key
            case .partyKeyRotated(let body): introduced[body.key.keyID] = body.key
            default: break
            }
            return key
        }
        let prefix = Array(Event.signatureDomain.utf8) + Array(manifest.origin.utf8) + [0x0a]
        return Parallel.map(events.count, minimumPerThread: 8) { index -> Checked in
            let bytes = events[index].event.canonicalBytes
            guard let key = keys[index] else { return Checked(canonicalEvent: bytes, valid: nil) }
            // M = "flowledger/v1/event\n" || origin || "\n" || canonical(event)   (DESIGN §5)
            return Checked(canonicalEvent: bytes, valid: key.verify(signature: events[index].signature, message: prefix + bytes))
        }
    }

    /// Admits one event: the original receipt for a repeat, or a new entry added to the buffer.
    private func admit(_ signed: SignedEvent, checked: Checked, base: Int64, now: Int64, buffer: inout [UInt8], lengths: inout [Int64],
                       leaves: inout [Hash32], pending: inout [Event]) throws(StoreError) -> Receipt {
        let seq = state.size
        let admission: LedgerState.Admission
        do {
            // A key introduced in this group but not admitted leaves no key to check against.
            let valid = state.verificationKey(for: signed.event) == nil ? nil : checked.valid
            admission = try state.admit(signed, seq: seq, signatureValid: valid) { [files] stored in
                if stored >= base { return pending[Int(stored - base)] }
                return try Entry(validLine: files, seq: stored, at: files.offsets.location(of: stored)).event
            }
        } catch let error as RuleViolation {
            throw StoreError(.rejected, "\(layout.directory): event rejected, nothing was written: \(error)", violation: error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(error)")
        }
        switch admission {
        case .duplicate(let earlier):
            if earlier >= base { return Receipt(seq: earlier, leafHash: leaves[Int(earlier - base)]) }
            let leaf: Hash32
            do {
                leaf = try files.hashes.readHashes(at: [StoredHashes.index(level: 0, earlier)])[0]
            } catch {
                throw StoreError(.io, "\(layout.hashes): cannot read the leaf hash of entry \(earlier): \(error)")
            }
            return Receipt(seq: earlier, leafHash: leaf)
        case .new:
            let mark = state.mark
            let time = Timestamp(microsecondsSinceEpoch: max(now, state.lastTime?.microsecondsSinceEpoch ?? now))
            // Entry's own rules (six-digit time, genesis only at 0) hold by construction here:
            // the time comes from microseconds and the state admits genesis only at seq 0.
            let line = Entry.line(seq: seq, time: time, prev: state.lastLeafHash, canonicalEvent: checked.canonicalEvent, signature: signed.signature)
            guard line.count <= CanonicalJSON.maxLineBytes else {
                state.rollback(to: mark)
                let violation = RuleViolation(.malformedLine, seq: seq, eventID: signed.event.id, author: signed.event.author, field: "",
                                              "the entry line would be \(line.count) bytes, over the \(CanonicalJSON.maxLineBytes)-byte limit; shorten the event's text or field lists")
                throw StoreError(.rejected, "\(layout.directory): event rejected, nothing was written: \(violation)", violation: violation)
            }
            let leaf = Entry.leafHash(line: line, hash: manifest.suite.hash)
            state.sequenced(seq: seq, leafHash: leaf, time: time)
            buffer += line
            buffer.append(0x0a)
            lengths.append(Int64(line.count))
            leaves.append(leaf)
            pending.append(signed.event)
            return Receipt(seq: seq, leafHash: leaf)
        }
    }

    /// Writes the group's lines at the end of the current segment — rolling to a new segment
    /// at the first line that would take it past the limit — makes them durable (one fsync per
    /// segment touched), then extends the derived files.
    private func write(_ buffer: [UInt8], lengths: [Int64], leaves: [Hash32], base: Int64) throws(StoreError) {
        var locations: [OffsetIndex.Location] = []
        locations.reserveCapacity(lengths.count)
        var start = 0          // first byte of the current run in `buffer`
        var end = 0
        var offset = segmentSize
        do {
            for (index, length) in lengths.enumerated() {
                if offset > 0 && offset + length + 1 > options.segmentLimit {
                    try writeRun(buffer[start..<end], startingAt: segmentSize)
                    segmentSize = offset
                    try roll(firstSeq: base + Int64(index))
                    start = end
                    offset = 0
                }
                locations.append(OffsetIndex.Location(offset: offset, length: length))
                offset += length + 1
                end += Int(length) + 1
            }
            try writeRun(buffer[start..<end], startingAt: segmentSize)
        } catch {
            if start > 0 {
                // Earlier runs of this group are durable in the previous segment but were not
                // acknowledged: only a reopen (which replays them) makes memory match the disk.
                stop(StoreError(.io, "\(layout.log): a write failed after the group had rolled to a new segment (\(error)); the writer stopped. Reopen the ledger; appending the same events again returns their receipts"))
            }
            throw error
        }
        segmentSize = offset
        // The entries are durable from here on: a failure below cannot be undone, so it stops the
        // writer (reopening repairs the derived files from the segments).
        do {
            try files.offsets.write(locations, from: base)
            let oldCount = StoredHashes.count(size: frontier.size)
            var added: [Hash32] = []
            for leaf in leaves { added += try frontier.append(leafHash: leaf, hash: manifest.suite.hash) }
            try files.hashes.write(added, from: oldCount)
        } catch {
            stop(StoreError(.io, "\(layout.index): the derived files could not be updated (\(error)); the writer stopped. The entries are in the log: reopen the ledger, and appending the same events again returns their receipts"))
        }
    }

    /// Writes `bytes` at `offset` of the current segment and syncs it; on failure cuts the
    /// segment back so it is as it was (nothing of the group has been acknowledged).
    private func writeRun(_ bytes: ArraySlice<UInt8>, startingAt offset: Int64) throws(StoreError) {
        guard !bytes.isEmpty else { return }
        do {
            try segment.write(bytes, at: offset)
            if options.durability != .never { try segment.sync() }
        } catch {
            do {
                try segment.truncate(to: offset)
            } catch {
                stop(StoreError(.io, "\(segment.path): a write failed and the partial write could not be removed (\(error)); the writer stopped. Reopen the ledger: recovery cuts the torn line"))
            }
            throw error
        }
    }

    /// Starts the segment whose first entry is `firstSeq`, durably (the directory is synced).
    private func roll(firstSeq: Int64) throws(StoreError) {
        let next = try PosixFile(path: layout.segment(firstSeq: firstSeq), flags: O_RDWR | O_CREAT | O_EXCL)
        try Directory.sync(layout.log)
        files.added(segmentFirstSeq: firstSeq)
        segment = next
        segmentSize = 0
    }

    private func stop(_ error: StoreError) {
        condition.lock()
        if stopped == nil { stopped = error }
        condition.unlock()
    }
}
