import GRDB
import GRDBSQLite
import LedgerCore

/// Writes ``ViewChange``s into the view tables of one open transaction, each kind of change
/// through one prepared statement, with no Foundation coders. The statements are prepared once
/// per writer (per batch), not looked up by their SQL text for every row, and values are bound
/// with SQLite's C API (``SQLBindable``): GRDB's `StatementArguments` boxed every value, which was
/// a large share of a catch-up's time.
final class ViewWriter {
    let db: Database
    private var statements: [Int: Statement] = [:]

    init(db: Database) { self.db = db }

    /// Applies `change`.
    func apply(_ change: ViewChange) throws {
        switch change {
        case .partyRegistered(let body, let seq, let time):
            try run(1, """
                INSERT INTO parties (party, name, kind, roles, key, key_id, status, status_reason, registered_seq, registered_time, updated_seq)
                VALUES (?, ?, ?, ?, ?, ?, 'active', NULL, ?, ?, ?)
                """, [body.party, body.name, body.kind.rawValue, Self.list(body.roles.map(\.rawValue)), body.key.string, body.key.keyID,
                      seq, time.text, seq])
        case .keyRotated(let party, let key, let keyID, let seq):
            try run(2, "UPDATE parties SET key = ?, key_id = ?, updated_seq = ? WHERE party = ?", [key, keyID, seq, party])
        case .partyStatus(let party, let status, let reason, let seq):
            try run(3, "UPDATE parties SET status = ?, status_reason = ?, updated_seq = ? WHERE party = ?", [status, reason, seq, party])
        case .datasetCataloged(let body, let owner, let seq, let time):
            try run(4, """
                INSERT INTO datasets (dataset, owner, title, sharing, level, fields, cataloged_seq, cataloged_time, reclassified_seq, reclassified_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
                """, [body.dataset, owner, body.title, body.sharing.rawValue, body.level.rawValue, Self.list(body.fields), seq, time.text])
        case .datasetReclassified(let body, let seq):
            try run(5, "UPDATE datasets SET sharing = ?, level = ?, reclassified_seq = ?, reclassified_reason = ? WHERE dataset = ?",
                    [body.sharing.rawValue, body.level.rawValue, seq, body.reason, body.dataset])
        case .grantIssued(let body, let owner, let seq, let time):
            try run(6, """
                INSERT INTO grants (grant_id, dataset, owner, grantee, purpose, fields, valid_from, valid_until, from_us, until_us, basis,
                                    issued_seq, issued_time, revoked_seq, revoked_time, revoked_reason)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
                """, [body.grant, body.dataset, owner, body.grantee, body.purpose, Self.list(body.fields), body.from.text, body.until.text,
                      body.from.microsecondsSinceEpoch, body.until.microsecondsSinceEpoch, body.basis, seq, time.text])
        case .grantRevoked(let body, let seq, let time):
            try run(7, "UPDATE grants SET revoked_seq = ?, revoked_time = ?, revoked_reason = ? WHERE grant_id = ?",
                    [seq, time.text, body.reason, body.grant])
        case .exchangeSent(let body, let provider, let seq, let time, let verdict):
            try run(8, """
                INSERT INTO exchanges (exchange, seq, time, time_us, provider, recipient, dataset, grant_id, purpose, fields, records, bytes,
                                       digest, ack, received_seq, received_time, received_records, received_digest, verdict)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'awaiting', NULL, NULL, NULL, NULL, ?)
                """, [body.exchange, seq, time.text, time.microsecondsSinceEpoch, provider, body.recipient, body.dataset, body.grant,
                      body.purpose, Self.list(body.fields), body.records, body.bytes, body.digest, verdict])
            // flows: one row per provider → recipient → dataset, summed.
            try run(9, """
                INSERT INTO flows (provider, recipient, dataset, exchanges, records, bytes, first_time, last_time, last_time_us)
                VALUES (?, ?, ?, 1, ?, ?, ?, ?, ?)
                ON CONFLICT (provider, recipient, dataset) DO UPDATE SET
                  exchanges = exchanges + 1, records = records + excluded.records, bytes = bytes + excluded.bytes,
                  last_time = excluded.last_time, last_time_us = excluded.last_time_us
                """, [provider, body.recipient, body.dataset, body.records, body.bytes, time.text, time.text, time.microsecondsSinceEpoch])
        case .exchangeReceived(let body, let seq, let time):
            try run(10, """
                UPDATE exchanges SET ack = CASE WHEN digest = ? AND records = ? THEN 'acknowledged' ELSE 'discrepancy' END,
                  received_seq = ?, received_time = ?, received_records = ?, received_digest = ?
                WHERE exchange = ?
                """, [body.digest, body.records, seq, time.text, body.records, body.digest, body.exchange])
        case .violation(let finding):
            try run(11, """
                INSERT INTO violations (rule, seq, event_id, author, exchange, dataset, provider, recipient, related_seq, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, [finding.rule.code, finding.seq, finding.eventID, finding.author, finding.exchange, finding.dataset,
                      finding.provider, finding.recipient, finding.relatedSeq, finding.message])
            // P1, P2, P4, P5 are in the verdict from the exchange row on; P6 and P7 come later.
            if finding.rule == .receiptDiscrepancy || finding.rule == .unacknowledged {
                try run(12, """
                    UPDATE exchanges SET verdict = CASE WHEN verdict = 'compliant' THEN ?1 ELSE verdict || ',' || ?1 END,
                      ack = CASE WHEN ack = 'awaiting' AND ?1 = 'P7' THEN 'overdue' ELSE ack END
                    WHERE exchange = ?2
                    """, [finding.rule.code, finding.exchange])
            }
        case .quality(let body, let reporter, let seq, let time):
            try run(13, "INSERT INTO quality (seq, time, reporter, dataset, exchange, dimension, severity, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    [seq, time.text, reporter, body.dataset, body.exchange, body.dimension.rawValue, body.severity.rawValue, body.note])
        case .auditFinding(let body, let regulator, let seq, let time):
            try run(14, "INSERT INTO findings (seq, time, regulator, subject, finding, severity) VALUES (?, ?, ?, ?, ?, ?)",
                    [seq, time.text, regulator, body.subject, body.finding, body.severity.rawValue])
        }
    }

    /// Runs statement number `slot` (prepared from `sql` on first use) with `arguments`.
    private func run(_ slot: Int, _ sql: @autoclosure () -> String, _ arguments: [any SQLBindable]) throws {
        let statement: Statement
        if let prepared = statements[slot] {
            statement = prepared
        } else {
            statement = try db.makeStatement(sql: sql())
            statements[slot] = statement
        }
        let handle = statement.sqliteStatement
        for (index, argument) in arguments.enumerated() { argument.bind(to: handle, at: Int32(index + 1)) }
        let code = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard code == SQLITE_DONE else {
            throw ProjectionError("views: SQLite error \(code) writing the views (\(String(cString: sqlite3_errmsg(db.sqliteConnection)))); delete views.sqlite to rebuild it")
        }
    }

    /// A list of names as the canonical JSON array SQLite's json functions read: `["a","b"]`.
    static func list(_ names: [String]) -> String {
        String(decoding: CanonicalJSON.encode(.array(names.map { .string($0) })), as: UTF8.self)
    }
}

/// A value bound to a statement parameter with SQLite's C API (text is copied by SQLite).
protocol SQLBindable {
    func bind(to statement: OpaquePointer, at index: Int32)
}

/// SQLite copies the bytes before the call returns (SQLITE_TRANSIENT).
private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

extension String: SQLBindable {
    func bind(to statement: OpaquePointer, at index: Int32) {
        var text = self
        text.withUTF8 { bytes in
            guard let base = bytes.baseAddress, !bytes.isEmpty else {
                _ = sqlite3_bind_text(statement, index, "", 0, transient)  // not NULL: an empty text
                return
            }
            _ = base.withMemoryRebound(to: CChar.self, capacity: bytes.count) { sqlite3_bind_text(statement, index, $0, Int32(bytes.count), transient) }
        }
    }
}

extension Int64: SQLBindable {
    func bind(to statement: OpaquePointer, at index: Int32) { sqlite3_bind_int64(statement, index, self) }
}

extension Optional: SQLBindable where Wrapped: SQLBindable {
    func bind(to statement: OpaquePointer, at index: Int32) {
        if let value = self { value.bind(to: statement, at: index) } else { sqlite3_bind_null(statement, index) }
    }
}
