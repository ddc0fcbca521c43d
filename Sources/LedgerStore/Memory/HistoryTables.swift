import LedgerCore
import Synchronization

/// The rules' history held in memory: every (author, id) with its seq and every exchange, as two
/// dictionaries. The in-memory store keeps its history here, and the PostgreSQL store loads its
/// persisted history here when it opens, so lookups on the committer's path never wait on I/O.
package final class HistoryTables: RuleHistory {
    private let tables = Mutex((events: [DigestKey: Int64](), exchanges: [DigestKey: LedgerState.Exchange]()))

    /// Empty tables.
    package init() {}

    package func eventSeq(_ key: DigestKey) -> Int64? { tables.withLock { $0.events[key] } }
    package func exchange(_ key: DigestKey) -> LedgerState.Exchange? { tables.withLock { $0.exchanges[key] } }

    /// Forgets everything (before a full replay).
    package func clear() { tables.withLock { $0 = ([:], [:]) } }

    /// Applies `delta`'s rows (an exchange in it replaces the one held).
    package func apply(_ delta: HistoryDelta) {
        tables.withLock { tables in
            for (key, seq) in delta.events { tables.events[key] = seq }
            for (key, exchange) in delta.exchanges { tables.exchanges[key] = exchange }
        }
    }

    /// Applies `rows` in order.
    package func apply(_ rows: [HistoryDelta.Row]) {
        tables.withLock { tables in
            for row in rows {
                switch row {
                case .event(let key, let seq): tables.events[key] = seq
                case .sent(let key, let dataset, let recipient): tables.exchanges[key] = LedgerState.Exchange(dataset: dataset, recipient: recipient, receivedAt: nil)
                case .received(let key, let seq): tables.exchanges[key]?.receivedAt = seq
                }
            }
        }
    }
}
