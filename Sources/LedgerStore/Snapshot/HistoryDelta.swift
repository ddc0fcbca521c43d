import LedgerCore

/// The rows the writer's history file (``HistoryFile``) is behind by: what the entries sequenced
/// since the last flush add to "every (author, id)" and "every exchange", in seq order.
package struct HistoryDelta: Sendable {
    /// One change to the history, derived from one entry.
    package enum Row: Sendable {
        /// Event (author, id) with this key is entry `seq` (rule 3).
        case event(DigestKey, seq: Int64)
        /// Exchange with this key was sent (rule 5's references).
        case sent(DigestKey, dataset: String, recipient: String)
        /// Exchange with this key was acknowledged at `seq`.
        case received(DigestKey, seq: Int64)
    }

    package private(set) var rows: [Row] = []
    /// Entries covered.
    package private(set) var entries: Int64 = 0

    /// No rows.
    package init() {}

    /// Adds what entry `seq`, holding `event`, records.
    package mutating func add(_ event: Event, seq: Int64) {
        rows.append(.event(DigestKey(event.author, event.id), seq: seq))
        switch event.body {
        case .exchangeSent(let body): rows.append(.sent(DigestKey(body.exchange), dataset: body.dataset, recipient: body.recipient))
        case .exchangeReceived(let body): rows.append(.received(DigestKey(body.exchange), seq: seq))
        default: break
        }
        entries += 1
    }

    /// The same changes as whole rows in key order, as a B-tree takes them fastest (a full
    /// rebuild writes a million rows): every (author, id) with its seq; every exchange sent in
    /// this delta with its acknowledgement, if any; and the acknowledgements of exchanges sent
    /// before it, to apply to rows already stored.
    package func consolidated() -> (events: [(DigestKey, Int64)], sent: [(DigestKey, LedgerState.Exchange)], acknowledged: [(DigestKey, Int64)]) {
        var events: [(DigestKey, Int64)] = []
        var sent: [DigestKey: LedgerState.Exchange] = [:]
        var acknowledged: [(DigestKey, Int64)] = []
        events.reserveCapacity(Int(entries))
        for row in rows {
            switch row {
            case .event(let key, let seq): events.append((key, seq))
            case .sent(let key, let dataset, let recipient): sent[key] = LedgerState.Exchange(dataset: dataset, recipient: recipient, receivedAt: nil)
            case .received(let key, let seq):
                if sent[key] != nil { sent[key]!.receivedAt = seq } else { acknowledged.append((key, seq)) }
            }
        }
        func ordered(_ a: DigestKey, _ b: DigestKey) -> Bool { (a.high, a.low) < (b.high, b.low) }
        events.sort { ordered($0.0, $1.0) }
        return (events, sent.sorted { ordered($0.key, $1.key) }.map { ($0.key, $0.value) }, acknowledged)
    }

    /// Forgets the rows (they were flushed).
    package mutating func removeAll() {
        rows.removeAll(keepingCapacity: true)
        entries = 0
    }
}

extension DigestKey {
    /// The key's 16 bytes, high half first (big-endian), as the history file stores it.
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(16)
        for half in [high, low] { for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: half >> UInt64(shift))) } }
        return out
    }
}
