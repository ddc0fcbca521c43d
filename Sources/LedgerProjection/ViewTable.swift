import Foundation
import GRDB
import LedgerCore

/// The result of a read over the views as plain columns and JSON values, for printing as a
/// table or as JSON (`flowledger views`, `flowledger query`).
package struct ViewTable: Sendable {
    /// Column names, in the statement's order.
    package let columns: [String]
    /// Rows of values (integer, string or null).
    package let rows: [[JSONValue]]

    /// The rows as JSON objects keyed by column name.
    package var json: JSONValue {
        .array(rows.map { row in .object(Dictionary(zip(columns, row), uniquingKeysWith: { first, _ in first })) })
    }

    /// A view `flowledger views` prints: the columns a person reads first as a table (`sql`), and
    /// every column for a script (`jsonSQL`, `--json`), in the same order of rows.
    package struct Named: Sendable {
        /// The view's name on the command line.
        package let name: String
        /// The statement of the table for a person.
        package let sql: String
        /// The statement of the JSON for a script: every column.
        package let jsonSQL: String
    }

    /// The named views of `flowledger views`.
    package static let named: [Named] = [
        Named(name: "parties", sql: "SELECT party, name, kind, roles, status, key_id, registered_seq FROM parties ORDER BY party",
              jsonSQL: """
                SELECT party, name, kind, roles, key, key_id, status, status_reason, registered_seq, registered_time, updated_seq
                FROM parties ORDER BY party
                """),
        Named(name: "datasets", sql: "SELECT dataset, owner, title, sharing, level, fields FROM datasets ORDER BY dataset",
              jsonSQL: """
                SELECT dataset, owner, title, sharing, level, fields, cataloged_seq, cataloged_time, reclassified_seq, reclassified_reason
                FROM datasets ORDER BY dataset
                """),
        Named(name: "grants", sql: """
                SELECT grant_id AS "grant", dataset, owner, grantee, purpose, fields, valid_from, valid_until, status, revoked_seq
                FROM grant_status ORDER BY grant_id
                """,
              jsonSQL: """
                SELECT grant_id AS "grant", dataset, owner, grantee, purpose, fields, valid_from, valid_until, basis, status,
                       issued_seq, issued_time, revoked_seq, revoked_time, revoked_reason
                FROM grant_status ORDER BY grant_id
                """),
        Named(name: "exchanges", sql: """
                SELECT exchange, seq, time, provider, recipient, dataset, grant_id AS "grant", records, bytes, ack, verdict
                FROM exchanges ORDER BY seq
                """,
              jsonSQL: """
                SELECT exchange, seq, time, event_id, provider, recipient, dataset, grant_id AS "grant", purpose, fields, records, bytes,
                       digest, ack, received_seq, received_time, received_records, received_digest, verdict
                FROM exchanges ORDER BY seq
                """),
        Named(name: "flows", sql: "SELECT provider, recipient, dataset, exchanges, records, bytes, last_time FROM flows ORDER BY provider, recipient, dataset",
              jsonSQL: """
                SELECT provider, recipient, dataset, exchanges, records, bytes, first_time, last_time
                FROM flows ORDER BY provider, recipient, dataset
                """),
        Named(name: "violations", sql: "SELECT rule, seq, exchange, dataset, provider, recipient, related_seq, message FROM violations ORDER BY id",
              jsonSQL: """
                SELECT id, rule, seq, event_id, author, exchange, dataset, provider, recipient, related_seq, message
                FROM violations ORDER BY id
                """),
        Named(name: "quality", sql: "SELECT seq, reporter, dataset, exchange, dimension, severity, note FROM quality ORDER BY seq",
              jsonSQL: "SELECT seq, time, reporter, dataset, exchange, dimension, severity, note FROM quality ORDER BY seq"),
        Named(name: "findings", sql: "SELECT seq, regulator, subject, severity, finding FROM findings ORDER BY seq",
              jsonSQL: "SELECT seq, time, regulator, subject, severity, finding FROM findings ORDER BY seq"),
    ]

    /// Runs one read-only statement on `db`; a statement that would write is refused.
    static func select(_ db: Database, sql: String) throws -> ViewTable {
        let statement: Statement
        do {
            // Compiled, never run, to count them: one text, one statement.
            let statements = try db.allStatements(sql: sql)
            guard let first = try statements.next() else {
                throw ProjectionError("query needs one SQL statement; the text holds none")
            }
            guard try statements.next() == nil else {
                throw ProjectionError("query runs one SQL statement; the text holds more than one: run them one at a time")
            }
            statement = first
        } catch let error as DatabaseError {
            throw ProjectionError("SQL error: \(error.message ?? "\(error.resultCode)")")
        }
        let keyword = statement.sql.drop { $0.isWhitespace }.prefix { $0.isLetter }.uppercased()
        guard !["BEGIN", "COMMIT", "END", "ROLLBACK", "SAVEPOINT", "RELEASE"].contains(keyword) else {
            throw ProjectionError("query runs one statement in a read-only transaction of its own; \(keyword) has no use here: give the SELECT alone")
        }
        guard statement.isReadonly else {
            throw ProjectionError("query is read-only: the statement would change the database (\(sql.prefix(60).trimmingCharacters(in: .whitespacesAndNewlines))…); the views are derived from the log, so change the log instead")
        }
        let columns = statement.columnNames
        // Lists are stored as JSON array text; a reader gets them back as arrays.
        let lists = Set(columns.indices.filter { ["roles", "fields"].contains(columns[$0]) })
        var rows: [[JSONValue]] = []
        do {
            let cursor = try Row.fetchCursor(statement)
            while let row = try cursor.next() {
                rows.append(row.databaseValues.enumerated().map { index, value in
                    let json = ViewDigest.json(value)
                    guard lists.contains(index), case .string(let text) = json else { return json }
                    return .array(ViewReader.list(text).map { .string($0) })
                })
            }
        } catch let error as DatabaseError {
            throw ProjectionError("SQL error: \(error.message ?? "\(error.resultCode)")")
        }
        return ViewTable(columns: columns, rows: rows)
    }
}
