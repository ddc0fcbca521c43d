import GRDB
import LedgerCore
import LedgerCrypto

/// A hash over the canonical content of the views: equal digests mean equal views, row for row.
/// `verify --views` recomputes it from the log (through the projector) and from the rows of the
/// existing `views.sqlite`, never from a stored value.
///
/// ```swift
/// let expected = try ViewDigest(db)            // from an open GRDB database
/// print(expected.total.hex, expected.differingTables(from: other))
/// ```
public struct ViewDigest: Hashable, Sendable {
    /// The digest of each table, by name.
    public let tables: [String: Hash32]
    /// The digest of all tables together.
    public let total: Hash32

    /// The digest of the views in `db` with the hash `hash` (the ledger suite's).
    ///
    /// Formula (H = `hash`; tables and columns in ``ViewSchema/tables`` order):
    ///
    ///     row(r)    = canonical JSON array of r's columns: integer → number, text → string,
    ///                 NULL → null, blob → lowercase hex string
    ///     table(T)  = H( row(r₁) ‖ "\n" ‖ row(r₂) ‖ "\n" ‖ … )   rows ordered by T's key
    ///     total     = H( "flowledger/v1/views\n" ‖ for each T: name(T) ‖ " " ‖ hex(table(T)) ‖ "\n" )
    public init(_ db: Database, hash: HashAlgorithm = .sha256) throws {
        var tables: [String: Hash32] = [:]
        var summary: [UInt8] = Array("flowledger/v1/views\n".utf8)
        for table in ViewSchema.tables {
            var context = HashContext(hash)
            if try db.tableExists(table.name) {
                let sql = "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name) ORDER BY \(table.orderBy)"
                let cursor = try Row.fetchCursor(db, sql: sql)
                while let row = try cursor.next() {
                    var values: [JSONValue] = []
                    values.reserveCapacity(row.count)
                    for value in row.databaseValues { values.append(Self.json(value)) }
                    context.update(CanonicalJSON.encode(.array(values)))
                    context.update(byte: 0x0a)
                }
            }
            let digest = context.finish()
            tables[table.name] = digest
            summary += "\(table.name) \(digest.hex)\n".utf8
        }
        self.tables = tables
        total = hash.hash(summary)
    }

    /// The names of the tables whose digests differ from `other`'s, in schema order.
    public func differingTables(from other: ViewDigest) -> [String] {
        ViewSchema.tables.map(\.name).filter { tables[$0] != other.tables[$0] }
    }

    /// A stored value as the digest and `query --json` show it: reals and out-of-range integers
    /// as decimal text, blobs as hex.
    static func json(_ value: DatabaseValue) -> JSONValue {
        switch value.storage {
        case .null: return .null
        case .int64(let number):
            // Canonical JSON holds integers within ±(2^53-1) only (DESIGN §4); beyond, decimal text.
            return (-JSONValue.maxSafeInteger...JSONValue.maxSafeInteger).contains(number) ? .integer(number) : .string(String(number))
        case .double(let number): return .string(String(number))
        case .string(let text): return .string(text)
        case .blob(let data): return .string(data.map { String(format: "%02x", $0) }.joined())
        }
    }
}
