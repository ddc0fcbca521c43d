import Dispatch
import LedgerCore

/// The entries of a ledger from a position on, following new ones as they are appended — by
/// this process or another — across segment roll-over. Never ends by itself; stop iterating (or
/// cancel the task) to stop. Waiting costs no CPU: it sleeps on an inotify watch of `log/`.
///
/// ```swift
/// for try await entry in EntryFollower(reader: reader, from: 0) {
///     if case .exchangeSent(let body) = entry.event.body, body.recipient == "transport.sh" { … }
/// }
/// ```
public struct EntryFollower: AsyncSequence, Sendable {
    /// An entry with its exact stored line.
    public typealias Element = Entry

    private let reader: LedgerReader
    private let start: Int64

    /// Follows `reader`'s ledger from entry `from` (0 for the whole log).
    public init(reader: LedgerReader, from: Int64) {
        self.reader = reader
        self.start = Swift.max(0, from)
    }

    /// Creates the iterator.
    public func makeAsyncIterator() -> Iterator { Iterator(reader: reader, next: start) }

    /// Yields entries in order, waiting for new ones when it has caught up.
    public struct Iterator: AsyncIteratorProtocol {
        private let reader: LedgerReader
        private var next: Int64
        private var buffered: [Entry] = []
        private var watcher: LogWatcher?

        init(reader: LedgerReader, next: Int64) {
            self.reader = reader
            self.next = next
        }

        /// The next entry, once there is one; nil when the task is cancelled.
        public mutating func next() async throws -> Entry? {
            if watcher == nil { watcher = try LogWatcher(layout: reader.layout) }  // before the first look: no missed wake-up
            while buffered.isEmpty {
                if Task.isCancelled { return nil }
                let size = try reader.refresh()
                if next < size {
                    let end = Swift.min(size, next + 1024)
                    buffered = try reader.lines(in: next..<end).enumerated().map { offset, line in
                        do {
                            return try Entry(line: line)
                        } catch {
                            throw StoreError(.damaged, "\(reader.layout.directory): entry \(next + Int64(offset)) does not parse: \(error); run `flowledger verify \(reader.layout.directory)`")
                        }
                    }
                    buffered.reverse()
                    break
                }
                let watcher = self.watcher!
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    DispatchQueue.global().async {
                        watcher.wait(milliseconds: 500)
                        continuation.resume()
                    }
                }
            }
            next += 1
            return buffered.removeLast()
        }
    }
}
