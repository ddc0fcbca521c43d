import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
#endif
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
package struct ViewsFile: Sendable {
    /// The file.
    package let path: String
    private let database: DatabaseQueue
    /// The private directory of a copy (``copy(of:)``), removed with the last value using it.
    private let scratch: ScratchDirectory?

    /// Opens `path` read-only (SQLITE_OPEN_READONLY): nothing this value does can write to it.
    /// - Throws: ``ProjectionError`` naming the file; for one that is not a SQLite database, its
    ///   ``ProjectionError/unreadable`` is set.
    package init(path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProjectionError("\(path): no views file; run `flowledger views DIR parties` to build it")
        }
        try self.init(opening: path, shownAs: path, scratch: nil)
    }

    /// Opens a private copy of `path` (and of its `-wal`, so the copy holds what readers of the
    /// file see), read-only: the file's directory is never written, not even SQLite's `-shm`, and
    /// a directory that cannot be written (a regulator's read-only copy) is no obstacle.
    /// `verify --views` reads the evidence this way. ``path`` stays the original's.
    package static func copy(of path: String) throws -> ViewsFile {
        guard FileManager.default.fileExists(atPath: path) else {
            throw ProjectionError("\(path): no views file; run `flowledger views DIR parties` to build it")
        }
        let scratch = try ScratchDirectory()
        let copy = scratch.path + "/views.sqlite"
        do {
            try FileManager.default.copyItem(atPath: path, toPath: copy)
            if FileManager.default.fileExists(atPath: path + "-wal") {
                try FileManager.default.copyItem(atPath: path + "-wal", toPath: copy + "-wal")
            }
        } catch {
            throw ProjectionError("\(path): cannot read it to check it (\(error.localizedDescription)); check its permissions")
        }
        return try ViewsFile(opening: copy, shownAs: path, scratch: scratch)
    }

    private init(opening file: String, shownAs path: String, scratch: ScratchDirectory?) throws {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(30)
        do {
            database = try DatabaseQueue(path: file, configuration: configuration)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_NOTADB || error.resultCode == .SQLITE_CORRUPT {
            throw ProjectionError("\(path): \(error.message ?? "not a database"): it is not a views database, or it is damaged", unreadable: true)
        } catch {
            throw ProjectionError("\(path): cannot open it read-only: \(error)")
        }
        self.path = path
        self.scratch = scratch
    }

    /// Runs one read-only SQL statement; a statement that would write is refused with
    /// "query is read-only: …".
    package func select(_ sql: String) throws -> ViewTable {
        do { return try database.read { db in try ViewTable.select(db, sql: sql) } } catch let error as ProjectionError {
            throw error
        } catch let error as DatabaseError {
            throw ProjectionError("\(path): \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// The digest of the rows in the file as they are (see ``ViewDigest``).
    package func digest(hash: HashAlgorithm) throws -> ViewDigest {
        do { return try database.read { db in try ViewDigest(db, hash: hash) } } catch let error as DatabaseError {
            throw ProjectionError("\(path): cannot read the views: \(error.message ?? "\(error.resultCode)")")
        }
    }

    /// The position row as the file records it (nil when it has none, or cannot be read).
    package func position() throws -> ViewPosition? {
        try? database.read { db in try ViewPosition.fetch(db) }
    }

    /// Why the file cannot be read as views at all (not a database, no position table), or nil.
    package func unreadable() -> String? {
        do {
            _ = try database.read { db in try ViewPosition.fetch(db) }
            return nil
        } catch let error as DatabaseError {
            return error.message ?? "\(error.resultCode)"
        } catch {
            return "\(error)"
        }
    }
}

/// A directory of its own under the temporary directory, removed when the last reference goes.
package final class ScratchDirectory: Sendable {
    /// Where it is.
    package let path: String

    /// Makes one (mkdtemp).
    package init() throws {
        var template = Array((NSTemporaryDirectory() + "/flowledger-views-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ProjectionError("cannot create a temporary directory (\(String(cString: strerror(errno)))); set TMPDIR to a writable directory")
        }
        path = String(cString: made)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
