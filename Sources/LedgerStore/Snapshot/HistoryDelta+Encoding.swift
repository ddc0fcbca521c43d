import LedgerCore

/// History rows as bytes, for a store that keeps its history as appended chunks (the PostgreSQL
/// store) rather than as indexed tables (the segment store's SQLite file):
///
///     row   = 'E' key seq | 'S' key len dataset len recipient | 'R' key seq
///     key   = 16 bytes (DigestKey, high half first);  seq = 8 bytes big-endian;  len = 2 bytes big-endian
///
/// Rows are applied in order, so an acknowledgement follows the exchange it acknowledges.
extension HistoryDelta {
    /// The rows, encoded as above: every event, then every exchange, followed by its
    /// acknowledgement when it has one (an exchange sent in an earlier chunk and acknowledged
    /// since is sent again whole, which leaves the same row).
    package func encodedRows() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(events.count * 25 + exchanges.count * 60)
        func integer(_ value: UInt64, bytes: Int) { for shift in stride(from: (bytes - 1) * 8, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
        func text(_ value: String) {
            let utf8 = Array(value.utf8.prefix(Int(UInt16.max)))
            integer(UInt64(utf8.count), bytes: 2)
            out += utf8
        }
        for (key, seq) in events {
            out.append(UInt8(ascii: "E")); out += key.bytes; integer(UInt64(bitPattern: seq), bytes: 8)
        }
        for (key, exchange) in exchanges {
            out.append(UInt8(ascii: "S")); out += key.bytes; text(exchange.dataset); text(exchange.recipient)
            if let receivedAt = exchange.receivedAt {
                out.append(UInt8(ascii: "R")); out += key.bytes; integer(UInt64(bitPattern: receivedAt), bytes: 8)
            }
        }
        return out
    }

    /// The rows `bytes` encode (see above).
    /// - Throws: ``StoreError/Code/damaged`` when the bytes are cut or hold an unknown tag;
    ///   `what` names them in the message.
    package static func decodeRows(_ bytes: [UInt8], what: String) throws(StoreError) -> [Row] {
        var rows: [Row] = []
        var at = 0
        func fail() -> StoreError { StoreError(.damaged, "\(what): history row at byte \(at) is cut or of an unknown kind; the history is derived from the log and can be rebuilt from it") }
        func integer(_ count: Int) throws(StoreError) -> UInt64 {
            guard at + count <= bytes.count else { throw fail() }
            var value: UInt64 = 0
            for byte in bytes[at..<(at + count)] { value = value << 8 | UInt64(byte) }
            at += count
            return value
        }
        func text() throws(StoreError) -> String {
            let count = Int(try integer(2))
            guard at + count <= bytes.count else { throw fail() }
            defer { at += count }
            return String(decoding: bytes[at..<(at + count)], as: UTF8.self)
        }
        while at < bytes.count {
            let tag = bytes[at]
            at += 1
            let key = DigestKey(high: try integer(8), low: try integer(8))
            switch tag {
            case UInt8(ascii: "E"): rows.append(.event(key, seq: Int64(bitPattern: try integer(8))))
            case UInt8(ascii: "S"): rows.append(.sent(key, dataset: try text(), recipient: try text()))
            case UInt8(ascii: "R"): rows.append(.received(key, seq: Int64(bitPattern: try integer(8))))
            default: at -= 17; throw fail()
            }
        }
        return rows
    }
}
