import Foundation
import GRDB
import LedgerCore

/// The projector's policy fold as of a position, kept in `views.sqlite` (table `policy_state`)
/// in the same transaction as the rows and position it goes with, so that a new projector — a
/// new `flowledger views` or `query` process — resumes from it instead of replaying the policy
/// state from genesis, which on a large log took longer than projecting the new entries.
///
/// Like the views it is derived: one that does not decode, or does not fit the position, is
/// ignored and the fold is replayed from the log. `verify --views` recomputes the views from the
/// log whatever the file holds.
enum PolicyState {
    /// Writes `fold`, the state after the first `size` entries (inside the caller's transaction).
    static func save(_ fold: ProjectionFold, size: Int64, db: Database) throws {
        let state = Data(fold.policy.snapshot())
        try db.execute(sql: "INSERT OR REPLACE INTO policy_state (id, size, state) VALUES (1, ?, ?)", arguments: [size, state])
    }

    /// The number of entries the kept state covers (0 when none is kept).
    static func keptSize(_ db: Database) throws -> Int64 {
        guard try db.tableExists("policy_state") else { return 0 }
        return try Int64.fetchOne(db, sql: "SELECT size FROM policy_state WHERE id = 1") ?? 0
    }

    /// The state kept in the file if it covers at most `limit` entries; nil if there is none.
    /// - Throws: ``ProjectionError`` with a sentence when one is there but cannot be used.
    static func load(_ db: Database, atMost limit: Int64) throws -> (fold: ProjectionFold, size: Int64)? {
        guard try db.tableExists("policy_state"),
              let row = try Row.fetchOne(db, sql: "SELECT size, state FROM policy_state WHERE id = 1")
        else { return nil }
        let size: Int64 = row["size"]
        guard size <= limit else {
            throw ProjectionError("the policy state kept in the views file is of entry \(size), beyond the position \(limit)")
        }
        guard let state = row["state"] as Data? else {
            throw ProjectionError("the policy state kept in the views file is not a blob")
        }
        do {
            return (ProjectionFold(policy: try PolicyChecker(snapshot: [UInt8](state))), size)
        } catch {
            throw ProjectionError("the policy state kept in the views file does not decode (\(error.field) \(error.message))")
        }
    }
}
