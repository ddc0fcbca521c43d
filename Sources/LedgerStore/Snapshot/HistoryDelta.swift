import LedgerCore

/// The rows a store's history is behind by: what the writer's state holds in memory since it last
/// attached its history (``LedgerState/recentHistory()``), each list in key order.
///
/// Taken from the state itself when the writer flushes, so nothing is kept per entry between
/// flushes besides the state's own compact tables (a writer that kept its own list of rows held
/// several times their size, and a verified copy of a million entries could not afford to write
/// less often).
package struct HistoryDelta: Sendable {
    /// One change to the history, as the PostgreSQL store's chunks encode it
    /// (``HistoryDelta/encodedRows()``), applied in order.
    package enum Row: Sendable {
        /// Event (author, id) with this key is entry `seq` (rule 3).
        case event(DigestKey, seq: Int64)
        /// Exchange with this key was sent (rule 5's references).
        case sent(DigestKey, dataset: String, recipient: String)
        /// Exchange with this key was acknowledged at `seq`.
        case received(DigestKey, seq: Int64)
    }

    /// Every (author, id) with its seq, in key order.
    package let events: [(key: DigestKey, seq: Int64)]
    /// Every exchange sent or acknowledged, whole, in key order.
    package let exchanges: [(key: DigestKey, exchange: LedgerState.Exchange)]

    /// The rows `state` holds in memory. Precondition: nothing to roll back in `state`.
    package init(recentIn state: LedgerState) {
        (events, exchanges) = state.recentHistory()
    }

    /// Rows given as they are, each list in key order (the history benchmark's synthetic runs).
    package init(events: [(key: DigestKey, seq: Int64)], exchanges: [(key: DigestKey, exchange: LedgerState.Exchange)]) {
        self.events = events
        self.exchanges = exchanges
    }
}

extension DigestKey {
    /// The key's 16 bytes, high half first (big-endian), as the history file stores it.
    package var bytes: [UInt8] { withStoredBytes { Array($0) } }

    /// Calls `body` with ``bytes`` in place, without building an array.
    func withStoredBytes<Result>(_ body: (UnsafeRawBufferPointer) -> Result) -> Result {
        withUnsafeBytes(of: (high.bigEndian, low.bigEndian), body)
    }

    /// Reads ``bytes`` back; nil unless there are 16.
    init?(bytes: [UInt8]) {
        guard bytes.count == 16 else { return nil }
        var high: UInt64 = 0, low: UInt64 = 0
        for index in 0..<8 {
            high = high << 8 | UInt64(bytes[index])
            low = low << 8 | UInt64(bytes[8 + index])
        }
        self.init(high: high, low: low)
    }
}
