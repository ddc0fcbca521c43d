import Foundation
import GRDB
import LedgerCore

/// Typed reads of the views: what participants and regulators use from Swift instead of SQL.
/// Reads what the file holds; call ``Projector/catchUp()`` first for the latest state.
///
/// ```swift
/// let views = try Projector(directory: dir).views
/// for violation in try views.violations() { print(violation.rule, violation.seq, violation.message) }
/// ```
public struct ViewReader: Sendable {
    let database: DatabaseQueue

    /// Parties, by id.
    public func parties() throws -> [PartyView] { try fetch("SELECT * FROM parties ORDER BY party", PartyView.init) }
    /// Datasets, by id.
    public func datasets() throws -> [DatasetView] { try fetch("SELECT * FROM datasets ORDER BY dataset", DatasetView.init) }
    /// Grants with their status, by id.
    public func grants() throws -> [GrantView] { try fetch("SELECT * FROM grant_status ORDER BY grant_id", GrantView.init) }
    /// Exchanges in log order.
    public func exchanges() throws -> [ExchangeView] { try fetch("SELECT * FROM exchanges ORDER BY seq", ExchangeView.init) }
    /// Flows by provider, recipient, dataset.
    public func flows() throws -> [FlowView] { try fetch("SELECT * FROM flows ORDER BY provider, recipient, dataset", FlowView.init) }
    /// Violations in the order they were found.
    public func violations() throws -> [ViolationView] { try fetch("SELECT * FROM violations ORDER BY id", ViolationView.init) }
    /// Violations found after the one numbered `id`, in order.
    public func violations(after id: Int64) throws -> [ViolationView] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM violations WHERE id > ? ORDER BY id", arguments: [id]).map(ViolationView.init) }
    }
    /// Quality reports in log order.
    public func quality() throws -> [QualityView] { try fetch("SELECT * FROM quality ORDER BY seq", QualityView.init) }
    /// Audit findings in log order.
    public func findings() throws -> [AuditFindingView] { try fetch("SELECT * FROM findings ORDER BY seq", AuditFindingView.init) }
    /// The rows that entries from `seq` on added or changed, with the exchanges named by
    /// violations after the one numbered `violation` (see ``ChangedRows``).
    public func changes(since seq: Int64, violationsAfter violation: Int64 = 0) throws -> ChangedRows {
        try read { db in try ChangedRows(db, since: seq, violationsAfter: violation) }
    }
    /// Where the views stand in the log.
    public func position() throws -> ViewPosition? { try read { db in try ViewPosition.fetch(db) } }

    private func fetch<T>(_ sql: String, _ make: (Row) -> T) throws -> [T] {
        try read { db in try Row.fetchAll(db, sql: sql).map(make) }
    }

    /// Runs `body` in a read transaction; a database error becomes a ``ProjectionError`` saying
    /// what to do (also used by the report's bounded reads, `ViewReader+Report.swift`).
    func read<T>(_ body: (Database) throws -> T) throws -> T {
        do { return try database.read(body) } catch let error as DatabaseError {
            throw ProjectionError("views: \(error.message ?? "\(error)"); catch up first (`flowledger views DIR parties`) or delete views.sqlite to rebuild it")
        }
    }

    /// `["a","b"]` → ["a", "b"].
    static func list(_ text: String) -> [String] {
        guard let value = try? CanonicalJSONParser.parse(Array(text.utf8)), case .array(let items) = value else { return [] }
        return items.compactMap(\.stringValue)
    }
}
