import GRDB
import LedgerCore
import LedgerCrypto

/// The projector's policy fold read back from the views themselves.
///
/// Every item of the ``PolicyChecker``'s state is a row the fold wrote in the same transaction
/// as the position: party kinds (`parties`), datasets with their current sharing class and level
/// (`datasets`), grants with their revocation (`grants`), and the exchanges not yet acknowledged
/// (`exchanges` whose `ack` is `awaiting` or `overdue`, through the partial index
/// `exchanges_open`). So the rows at a position *are* the fold at that position: a new projector
/// (a new `flowledger views` or `query` process, one restarted after a crash, or one that another
/// projector overtook) reads them instead of replaying the log from genesis, and nothing extra is
/// written to keep them.
///
/// Like the views it is derived: `verify --views` recomputes everything from the log. A row that
/// cannot be read back (the file was changed outside the projector) is an ``UnreadableRow``, and
/// the projector rebuilds the file.
enum PolicyState {
    /// A row of the views that cannot be part of the fold: which table, row and column, and why.
    struct UnreadableRow: Error {
        let message: String
    }

    /// The fold as of the position of the views in `db` (read inside the caller's transaction,
    /// so rows and position agree); grants and open exchanges are put back in log order.
    static func read(_ db: Database, acknowledgementWindow: Int64) throws -> PolicyChecker {
        var policy = PolicyChecker(acknowledgementWindow: acknowledgementWindow)
        for row in try Row.fetchAll(db, sql: "SELECT party, kind FROM parties") {
            let party = try text(row, 0, "parties", "party")
            policy.restoreParty(party, kind: try value(row, 1, "parties", party))
        }
        for row in try Row.fetchAll(db, sql: "SELECT dataset, owner, sharing, level, fields FROM datasets") {
            let dataset = try text(row, 0, "datasets", "dataset")
            policy.restoreDataset(dataset, owner: try text(row, 1, "datasets", dataset), sharing: try value(row, 2, "datasets", dataset),
                                  level: try value(row, 3, "datasets", dataset), fields: try list(row, 4, "datasets", dataset))
        }
        let grants = try Row.fetchCursor(db, sql: """
            SELECT grant_id, issued_seq, dataset, grantee, purpose, fields, valid_from, valid_until, revoked_seq
            FROM grants ORDER BY issued_seq
            """)
        while let row = try grants.next() {
            let grant = try text(row, 0, "grants", "grant_id")
            policy.restoreGrant(grant, seq: try integer(row, 1, "grants", grant), dataset: try text(row, 2, "grants", grant),
                                grantee: try text(row, 3, "grants", grant), purpose: try text(row, 4, "grants", grant),
                                fields: try list(row, 5, "grants", grant), from: try timestamp(row, 6, "grants", grant),
                                until: try timestamp(row, 7, "grants", grant),
                                revokedAt: row.hasNull(atIndex: 8) ? nil : try integer(row, 8, "grants", grant))
        }
        let open = try Row.fetchCursor(db, sql: """
            SELECT exchange, seq, event_id, provider, dataset, recipient, records, digest, time_us, ack
            FROM exchanges WHERE ack IN ('awaiting', 'overdue') ORDER BY seq  -- through the partial index exchanges_open
            """)
        while let row = try open.next() {
            let exchange = try text(row, 0, "exchanges", "exchange")
            policy.restoreOpenExchange(exchange, seq: try integer(row, 1, "exchanges", exchange), eventID: try text(row, 2, "exchanges", exchange),
                                       provider: try text(row, 3, "exchanges", exchange), dataset: try text(row, 4, "exchanges", exchange),
                                       recipient: try text(row, 5, "exchanges", exchange), records: try integer(row, 6, "exchanges", exchange),
                                       digest: try digest(row, 7, "exchanges", exchange), sentAt: try integer(row, 8, "exchanges", exchange),
                                       reportedOverdue: try text(row, 9, "exchanges", exchange) == "overdue")
        }
        return policy
    }

    // MARK: - Columns, checked (a changed file must not trap)

    private static func unreadable(_ row: Row, _ index: Int, _ table: String, _ key: String, _ why: String) -> UnreadableRow {
        UnreadableRow(message: "\(table) row \"\(quotedForMessage(key))\", column \(Array(row.columnNames)[index]): \(why)")
    }

    private static func text(_ row: Row, _ index: Int, _ table: String, _ key: String) throws -> String {
        guard let text = String.fromDatabaseValue(row[index] as DatabaseValue) else { throw unreadable(row, index, table, key, "not a text") }
        return text
    }

    private static func digest(_ row: Row, _ index: Int, _ table: String, _ key: String) throws -> Hash32 {
        let hex = try text(row, index, table, key)
        guard let digest = try? Hash32(hex: hex) else { throw unreadable(row, index, table, key, "\"\(quotedForMessage(hex))\" is not 64 lowercase hex digits") }
        return digest
    }

    private static func integer(_ row: Row, _ index: Int, _ table: String, _ key: String) throws -> Int64 {
        guard case .int64(let value) = (row[index] as DatabaseValue).storage else { throw unreadable(row, index, table, key, "not an integer") }
        return value
    }

    private static func value<Value: RawRepresentable>(_ row: Row, _ index: Int, _ table: String, _ key: String) throws -> Value
    where Value.RawValue == String {
        let text = try text(row, index, table, key)
        guard let value = Value(rawValue: text) else {
            throw unreadable(row, index, table, key, "\"\(quotedForMessage(text))\" is not a \(Value.self)")
        }
        return value
    }

    private static func list(_ row: Row, _ index: Int, _ table: String, _ key: String) throws -> [String] {
        let text = try text(row, index, table, key)
        guard let value = try? CanonicalJSONParser.parse(Array(text.utf8)), case .array(let items) = value else {
            throw unreadable(row, index, table, key, "not a JSON list")
        }
        let names = items.compactMap(\.stringValue)
        guard names.count == items.count else { throw unreadable(row, index, table, key, "not a list of names") }
        return names
    }

    private static func timestamp(_ row: Row, _ index: Int, _ table: String, _ key: String) throws -> Timestamp {
        let text = try text(row, index, table, key)
        do { return try Timestamp(parsing: text, field: table) } catch {
            throw unreadable(row, index, table, key, "\"\(quotedForMessage(text))\" is not an RFC 3339 time")
        }
    }
}
