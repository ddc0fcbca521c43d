import LedgerCore
import LedgerCrypto
import Synchronization

/// A store that keeps the log in memory: the same ``LogAppender`` contract as the segment
/// files, for tests and for programs that need a throwaway ledger. "Durable" means held by this
/// object; nothing survives the process.
///
/// Reopening (a new ``Sequencer`` over the same store after ``close()``) resumes from the state
/// snapshot the last flush left, like the segment store, and replays only what follows it.
package final class MemoryStore: LogAppender {
    package let manifest: LedgerManifest
    private let log = Mutex(Contents())
    private let memoryHistory = HistoryTables()

    /// Everything the store holds, under one lock.
    private struct Contents {
        var lines: [[UInt8]] = []
        var storedHashes: [Hash32] = []
        var checkpoints: [Int64: String] = [:]
        var latestCheckpoint: Int64?
        var snapshot: (size: Int64, leaf: Hash32, state: [UInt8])?
        var claimed = false
        var watchers: [Int: AsyncStream<Int64>.Continuation] = [:]
        var nextWatcher = 0
    }

    /// An empty log for the ledger `manifest` describes (its genesis entry not yet appended).
    package init(manifest: LedgerManifest) { self.manifest = manifest }

    package var history: any RuleHistory { memoryHistory }

    /// Forgets the state snapshot, so the next ``recover()`` replays every entry (as after
    /// deleting the segment store's state file).
    package func forgetSnapshot() { log.withLock { $0.snapshot = nil } }

    // MARK: - LogReader

    package func size() throws(StoreError) -> Int64 { log.withLock { Int64($0.lines.count) } }

    package func lines(in range: Range<Int64>) throws(StoreError) -> [[UInt8]] {
        try log.withLock { contents throws(StoreError) -> [[UInt8]] in
            guard range.lowerBound >= 0, range.upperBound <= Int64(contents.lines.count) else {
                throw StoreError(.outOfRange, "memory log: entries \(range.lowerBound)..<\(range.upperBound) do not all exist; it has \(contents.lines.count)")
            }
            return Array(contents.lines[Int(range.lowerBound)..<Int(range.upperBound)])
        }
    }

    package func readHashes(at indexes: [Int64]) throws -> [Hash32] {
        try log.withLock { contents throws(StoreError) -> [Hash32] in
            try indexes.map { index throws(StoreError) in
                guard index >= 0, index < Int64(contents.storedHashes.count) else {
                    throw StoreError(.outOfRange, "memory log: stored hash \(index) does not exist; it holds \(contents.storedHashes.count)")
                }
                return contents.storedHashes[Int(index)]
            }
        }
    }

    package func checkpointNote(size: Int64?) throws(StoreError) -> String? {
        log.withLock { contents in (size ?? contents.latestCheckpoint).flatMap { contents.checkpoints[$0] } }
    }

    package func sizeChanges() -> AsyncStream<Int64> {
        AsyncStream { continuation in
            let id = log.withLock { contents -> Int in
                let id = contents.nextWatcher
                contents.nextWatcher += 1
                contents.watchers[id] = continuation
                continuation.yield(Int64(contents.lines.count))
                return id
            }
            continuation.onTermination = { [weak self] _ in
                _ = self?.log.withLock { $0.watchers.removeValue(forKey: id) }
            }
        }
    }

    // MARK: - LogAppender

    package func recover() throws(StoreError) -> RecoveredLog {
        let (lines, snapshot) = try log.withLock { contents throws(StoreError) in
            guard !contents.claimed else { throw StoreError(.locked, "memory log: another sequencer has it open; a log has one writer at a time") }
            contents.claimed = true
            return (contents.lines, contents.snapshot)
        }
        let hash = manifest.suite.hash
        var report = RecoveryReport()
        var state = LedgerState(origin: manifest.origin)
        var first = 0
        if let snapshot, snapshot.size >= 1, snapshot.size <= Int64(lines.count),
           Entry.leafHash(line: lines[Int(snapshot.size) - 1], hash: hash) == snapshot.leaf,
           let resumed = try? LedgerState(snapshot: snapshot.state, history: memoryHistory), resumed.size == snapshot.size {
            state = resumed
            first = Int(snapshot.size)
            report.resumedAt = snapshot.size
        } else {
            memoryHistory.clear()
            if snapshot != nil { report.notes.append("the state snapshot did not match the log; every entry was replayed") }
        }
        // Every line here was committed by a sequencer that checked its signature: skipped.
        var engine = first == 0 ? ReplayEngine(manifest: manifest, signatures: .skip)
            : ReplayEngine(resuming: state, hash: hash, signatures: .skip)
        var source = LineArraySource(Array(lines[first...]), firstSeq: Int64(first))
        let outcome = engine.run(from: &source) { _ in .proceed }
        if case .broken(let problem) = outcome { throw StoreError(.damaged, "memory log: \(problem)") }
        state = engine.state
        report.entries = state.size
        report.replayedEntries = state.size - Int64(first)
        if state.recentEventCount > 0 { try flush(history: HistoryDelta(recentIn: state), state: state) }
        if state.size > 0 { state.attach(history: memoryHistory) }
        let frontier: TreeFrontier
        do {
            frontier = try TreeFrontier(size: state.size, reader: self)
        } catch {
            throw StoreError(.damaged, "memory log: the stored hashes do not cover its \(state.size) entries: \(error)")
        }
        return RecoveredLog(state: state, frontier: frontier, report: report)
    }

    package func commit(_ group: SequencedGroup) throws(StoreError) {
        let size = log.withLock { contents -> Int64 in
            var start = 0
            for length in group.lengths {
                contents.lines.append(Array(group.bytes[start..<(start + Int(length))]))
                start += Int(length) + 1
            }
            contents.storedHashes.removeLast(contents.storedHashes.count - Int(group.firstStoredIndex))
            contents.storedHashes += group.storedHashes
            let size = Int64(contents.lines.count)
            for watcher in contents.watchers.values { watcher.yield(size) }
            return size
        }
        precondition(size == group.firstSeq + Int64(group.count), "a group committed out of order")
    }

    package func flush(history delta: HistoryDelta, state: LedgerState) throws(StoreError) {
        memoryHistory.apply(delta)
        let snapshot = (state.size, state.lastLeafHash, state.snapshotBytes())
        log.withLock { $0.snapshot = snapshot }
    }

    package func takeHistoryFailure() -> StoreError? { nil }

    package func publish(checkpoint note: String, size: Int64) throws(StoreError) {
        log.withLock { contents in
            contents.checkpoints[size] = note
            if size >= contents.latestCheckpoint ?? -1 { contents.latestCheckpoint = size }
        }
    }

    package func close() { log.withLock { $0.claimed = false } }
}
