import Foundation
import GRDB
import LedgerCore
import LedgerCrypto
import LedgerStore

/// An existing `views.sqlite` opened read-only: for `flowledger query` and for `verify --views`,
/// which must read the file as it is, never catch it up or repair it.
///
/// ```swift
/// let file = try ViewsFile(path: "ledger/views.sqlite")
/// let table = try file.select("SELECT dataset, sum(records) FROM flows GROUP BY dataset")
/// ```
public struct ViewsFile: Sendable {
    /// The file.
    public let path: String
    private let database: DatabaseQueue

    /// Opens `path` read-only (SQLITE_OPEN_READONLY): nothing this value does can write to it.
    public init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProjectionError("\(path): no views file; run `flowledger views DIR parties` to build it")
        }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        do {
            database = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw ProjectionError("\(path): cannot open it read-only: \(error)")
        }
        self.path = path
    }

    /// Runs one read-only SQL statement; a statement that would write is refused with
    /// "query is read-only: …".
    public func select(_ sql: String) throws -> ViewTable {
        do { return try database.read { db in try ViewTable.select(db, sql: sql) } } catch let error as ProjectionError {
            throw error
        } catch let error as DatabaseError {
            throw ProjectionError("\(path): \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// The digest of the rows in the file as they are (see ``ViewDigest``).
    public func digest(hash: HashAlgorithm) throws -> ViewDigest {
        do { return try database.read { db in try ViewDigest(db, hash: hash) } } catch let error as DatabaseError {
            throw ProjectionError("\(path): cannot read the views: \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// The position row as the file records it.
    public func position() throws -> ViewPosition? {
        try? database.read { db in try ViewPosition.fetch(db) }
    }
}
