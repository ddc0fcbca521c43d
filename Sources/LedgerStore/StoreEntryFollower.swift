import LedgerCore
import LedgerCrypto

/// Follows the committed entries of a store (a PostgreSQL store, for `flowledger tail
/// postgres://…`) from a seq on, as batches of at most ``limit`` entries, checking as they
/// come that each has the next seq, a `prev` equal to the leaf hash of the entry before it and
/// a time no earlier (DESIGN §5): the one ``ReplayEngine``, replaying only that chain
/// (``ReplayEngine/Rules/chain(_:)``) from the entry before the start. It waits on the store's
/// ``LogReader/sizeChanges()`` between batches (LISTEN/NOTIFY on a primary, polling on a
/// standby): no thread is parked.
///
/// A break ends the sequence with a ``StoreError/Code/damaged`` error naming the seq and what
/// broke, after every entry before it was handed out.
package struct StoreEntryFollower: AsyncSequence, Sendable {
    /// A batch of consecutive entries, oldest first.
    package typealias Element = [StoredEntry]

    /// The most entries in one batch.
    package static let limit: Int64 = 1000

    private let log: any ServedLog
    private let start: Int64

    /// Entries of `log` from seq `start` on.
    package init(log: any ServedLog, from start: Int64) {
        self.log = log
        self.start = start
    }

    package func makeAsyncIterator() -> Iterator { Iterator(log: log, next: start) }

    /// Reads each batch once the store says it grew.
    package struct Iterator: AsyncIteratorProtocol {
        private let log: any ServedLog
        private var next: Int64
        private var known: Int64 = 0
        private var engine: ReplayEngine?
        private var changes: AsyncStream<Int64>.Iterator?

        init(log: any ServedLog, next: Int64) {
            self.log = log
            self.next = next
        }

        /// The next batch once there is at least one new entry; nil when the task is cancelled
        /// or the store stops reporting changes.
        package mutating func next() async throws -> [StoredEntry]? {
            if changes == nil {
                changes = log.sizeChanges().makeAsyncIterator()  // before the first look: no missed change
                known = try log.size()
            }
            while true {
                if Task.isCancelled { return nil }
                if next < known { return try batch(next..<Swift.min(known, next + StoreEntryFollower.limit)) }
                guard let size = await changes!.next() else { return nil }
                known = Swift.max(known, size)
            }
        }

        /// The chain position before entry `seq`: its predecessor's leaf hash and time.
        private func position(before seq: Int64) throws -> ChainLink {
            guard seq > 0 else { return ChainLink(size: 0, lastLeafHash: .zero) }
            let line = try log.lines(in: (seq - 1)..<seq)[0]
            let before = try StoredEntry(line: line, seq: seq - 1, directory: log.name)
            return ChainLink(size: seq, lastLeafHash: Entry.leafHash(line: line, hash: log.hash), lastTime: before.entry.time)
        }

        /// The entries of `range` up to the first that does not follow; that one throws once
        /// nothing before it is left to hand out (the engine returns its break on every later run).
        private mutating func batch(_ range: Range<Int64>) throws -> [StoredEntry] {
            if engine?.size != range.lowerBound {
                engine = ReplayEngine(origin: log.manifest.origin, hash: log.hash, rules: .chain(try position(before: range.lowerBound)), signatures: .skip)
            }
            var source = ReaderLineSource(store: log, range: range)
            var batch: [StoredEntry] = []
            batch.reserveCapacity(range.count)
            let outcome = try engine!.run(from: &source) { applied in
                batch.append(StoredEntry(entry: applied.entry, line: Array(applied.line)))
                return .proceed
            }
            next += Int64(batch.count)
            if case .broken(let problem) = outcome, batch.isEmpty {
                throw StoreError(.damaged, "\(log.location(of: problem.location?.seq ?? next)): \(problem); the entries before it were shown; \(log.fullReportAdvice)")
            }
            return batch
        }
    }
}
