/// The rows of the rules' history a state holds in memory, for a writer to write to its
/// ``RuleHistory`` before ``LedgerState/attach(history:)`` lets them go.
extension LedgerState {
    /// Entries whose (author, id) the state holds in memory: those admitted since the last
    /// ``attach(history:)``, or every entry when no history is attached.
    package var recentEventCount: Int { eventSeqs.count }

    /// What the state holds in memory of the history (see ``recentEventCount``), each list in key
    /// order, as a B-tree takes rows fastest: every (author, id) with its seq, and every exchange
    /// sent or acknowledged since. An exchange sent before the last attach and acknowledged since
    /// comes whole, with its `receivedAt`, to replace the row stored for it.
    /// Precondition: nothing to roll back (call after ``commit()``).
    package func recentHistory() -> (events: [(key: DigestKey, seq: Int64)], exchanges: [(key: DigestKey, exchange: Exchange)]) {
        precondition(!hasUncommittedChanges, "history rows with changes that may still be rolled back")
        var events: [(key: DigestKey, seq: Int64)] = []
        events.reserveCapacity(eventSeqs.count)
        eventSeqs.forEach { events.append(($0, $1)) }
        var exchanges: [(key: DigestKey, exchange: Exchange)] = []
        exchanges.reserveCapacity(exchangeRows.count)
        exchangeRows.forEach { key, row in exchanges.append((key, exchange(row))) }
        events.sort { $0.key < $1.key }
        exchanges.sort { $0.key < $1.key }
        return (events, exchanges)
    }
}

extension DigestKey: Comparable {
    /// Orders keys as their big-endian bytes do (``DigestKey/high`` first), the order of the
    /// history file's B-tree.
    package static func < (a: DigestKey, b: DigestKey) -> Bool { (a.high, a.low) < (b.high, b.low) }
}
