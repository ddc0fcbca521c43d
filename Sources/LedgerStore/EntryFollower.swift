import Dispatch
import LedgerCore

/// The entries of a ledger from a position on, following new ones as they are appended — by
/// this process or another — across segment roll-over. Never ends by itself; stop iterating (or
/// cancel the task) to stop. Waiting costs no CPU and no thread: followers of one ledger share
/// one inotify watch of `log/` (``LogWatchHub``) and wait as suspended tasks.
///
/// ```swift
/// for try await entry in EntryFollower(reader: reader, from: 0) {
///     if case .exchangeSent(let body) = entry.event.body, body.recipient == "transport.sh" { … }
/// }
/// ```
///
/// ``batches`` yields the same entries with their stored lines, in the groups they became
/// visible in (what `flowledger tail` prints and records a cursor for at a time).
public struct EntryFollower: AsyncSequence, Sendable {
    /// An entry, parsed strictly from its stored line.
    public typealias Element = Entry

    private let reader: LedgerReader
    private let start: Int64

    /// Follows `reader`'s ledger from entry `from` (0 for the whole log).
    public init(reader: LedgerReader, from: Int64) {
        self.reader = reader
        self.start = Swift.max(0, from)
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(batches: batches.makeAsyncIterator()) }

    /// The same entries with their stored lines, a batch at a time: every entry visible when the
    /// follower looked (at most ``Batches/limit``), never an empty batch.
    public var batches: Batches { Batches(reader: reader, start: start) }

    /// Yields entries in order, waiting for new ones when it has caught up.
    public struct Iterator: AsyncIteratorProtocol {
        private var batches: Batches.Iterator
        private var buffered: [StoredEntry] = []

        init(batches: Batches.Iterator) { self.batches = batches }

        /// The next entry, once there is one; nil when the task is cancelled.
        public mutating func next() async throws -> Entry? {
            if buffered.isEmpty {
                guard let batch = try await batches.next() else { return nil }
                buffered = batch.reversed()
            }
            return buffered.removeLast().entry
        }
    }

    /// Batches of consecutive entries with their stored lines, in order, from a position on.
    public struct Batches: AsyncSequence, Sendable {
        /// Consecutive entries, oldest first; never empty.
        public typealias Element = [StoredEntry]
        /// The most entries in one batch, so a follower far behind still makes steady progress.
        public static let limit: Int64 = 1024

        fileprivate let reader: LedgerReader
        fileprivate let start: Int64

        /// Creates the iterator.
        public func makeAsyncIterator() -> Iterator { Iterator(reader: reader, next: start) }

        /// Yields the entries visible at each look, suspended in between until the ledger's
        /// shared watch (``LogWatchHub``) sees a change.
        public struct Iterator: AsyncIteratorProtocol {
            private let reader: LedgerReader
            private var next: Int64
            private var lease: LogWatchHub.Lease?

            init(reader: LedgerReader, next: Int64) {
                self.reader = reader
                self.next = next
            }

            /// The next batch, once there is at least one new entry; nil when the task is cancelled.
            public mutating func next() async throws -> [StoredEntry]? {
                if lease == nil { lease = try LogWatchHub.lease(reader.layout) }  // before the first look: no missed wake-up
                let hub = lease!.hub
                while true {
                    if Task.isCancelled { return nil }
                    let seen = hub.generation
                    let size = try reader.refresh()
                    if next < size {
                        let first = next
                        let lines = try reader.lines(in: first..<Swift.min(size, first + Batches.limit))
                        let batch = try lines.enumerated().map { offset, line throws(StoreError) in
                            try StoredEntry(line: line, seq: first + Int64(offset), directory: reader.layout.directory)
                        }
                        next += Int64(batch.count)
                        return batch
                    }
                    await hub.change(after: seen)
                }
            }
        }
    }
}
