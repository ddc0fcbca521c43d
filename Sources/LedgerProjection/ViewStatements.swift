/// The statements that write the views, by number (the number is what a ``RowBatch`` stores).
enum ViewStatements {
    /// A statement's number: its index in ``sql``.
    enum Number: UInt8 {
        case insertParty, rotateKey, setPartyStatus, insertDataset, reclassifyDataset, insertGrant, revokeGrant
        case insertExchange, addToFlow, acknowledgeExchange, insertViolation, addToVerdict, insertQuality, insertFinding
    }

    /// The SQL of each statement, in the order of ``Number``.
    static let sql: [String] = [
        """
        INSERT INTO parties (party, name, kind, roles, key, key_id, status, status_reason, registered_seq, registered_time, updated_seq)
        VALUES (?, ?, ?, ?, ?, ?, 'active', NULL, ?, ?, ?)
        """,
        "UPDATE parties SET key = ?, key_id = ?, updated_seq = ? WHERE party = ?",
        "UPDATE parties SET status = ?, status_reason = ?, updated_seq = ? WHERE party = ?",
        """
        INSERT INTO datasets (dataset, owner, title, sharing, level, fields, cataloged_seq, cataloged_time, reclassified_seq, reclassified_reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL)
        """,
        "UPDATE datasets SET sharing = ?, level = ?, reclassified_seq = ?, reclassified_reason = ? WHERE dataset = ?",
        """
        INSERT INTO grants (grant_id, dataset, owner, grantee, purpose, fields, valid_from, valid_until, from_us, until_us, basis,
                            issued_seq, issued_time, revoked_seq, revoked_time, revoked_reason)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, NULL, NULL, NULL)
        """,
        "UPDATE grants SET revoked_seq = ?, revoked_time = ?, revoked_reason = ? WHERE grant_id = ?",
        // ViewWriter.ExchangeColumn names positions in this list of values.
        """
        INSERT INTO exchanges (exchange, seq, time, time_us, provider, recipient, dataset, grant_id, purpose, fields, records, bytes,
                               digest, ack, received_seq, received_time, received_records, received_digest, verdict, event_id)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        // flows: one row per provider → recipient → dataset, summed (a batch adds its totals).
        """
        INSERT INTO flows (provider, recipient, dataset, exchanges, records, bytes, first_time, last_time, last_time_us)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (provider, recipient, dataset) DO UPDATE SET
          exchanges = exchanges + excluded.exchanges, records = records + excluded.records, bytes = bytes + excluded.bytes,
          last_time = excluded.last_time, last_time_us = excluded.last_time_us
        """,
        """
        UPDATE exchanges SET ack = CASE WHEN digest = ? AND records = ? THEN 'acknowledged' ELSE 'discrepancy' END,
          received_seq = ?, received_time = ?, received_records = ?, received_digest = ?
        WHERE exchange = ?
        """,
        """
        INSERT INTO violations (rule, seq, event_id, author, exchange, dataset, provider, recipient, related_seq, message)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """,
        // P6 and P7 are added to a verdict after the exchange row was written.
        """
        UPDATE exchanges SET verdict = CASE WHEN verdict = 'compliant' THEN ?1 ELSE verdict || ',' || ?1 END,
          ack = CASE WHEN ack = 'awaiting' AND ?1 = 'P7' THEN 'overdue' ELSE ack END
        WHERE exchange = ?2
        """,
        "INSERT INTO quality (seq, time, reporter, dataset, exchange, dimension, severity, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        "INSERT INTO findings (seq, time, regulator, subject, finding, severity) VALUES (?, ?, ?, ?, ?, ?)",
    ]
}
