import GRDB

/// The rows of the views that a run of entries added or changed, typed: what a subscriber to
/// ``Projector/updates()`` learns of each growth of the log without reading whole views.
///
/// A row is here when an entry of the run wrote it: a party registered, its key rotated, it was
/// suspended or reinstated; a dataset cataloged or reclassified; a grant issued or revoked; an
/// exchange sent, acknowledged, or found in breach of P6 or P7 (its `ack` and `verdict` as they
/// now are); a quality report or audit finding filed. A grant that expires needs no entry and is
/// not here (``GrantView/status`` says so when read). Violations are in ``ViewUpdate/violations``.
public struct ChangedRows: Hashable, Sendable {
    /// Parties registered or changed, by id.
    public var parties: [PartyView] = []
    /// Datasets cataloged or reclassified, by id.
    public var datasets: [DatasetView] = []
    /// Grants issued or revoked, by id, with their status.
    public var grants: [GrantView] = []
    /// Exchanges sent, acknowledged, or found in breach of P6/P7, in log order.
    public var exchanges: [ExchangeView] = []
    /// Quality reports filed, in log order.
    public var quality: [QualityView] = []
    /// Audit findings filed, in log order.
    public var findings: [AuditFindingView] = []

    /// No row changed.
    public var isEmpty: Bool {
        parties.isEmpty && datasets.isEmpty && grants.isEmpty && exchanges.isEmpty && quality.isEmpty && findings.isEmpty
    }

    /// None.
    public init() {}

    /// The rows written by the entries from `seq` on, and the exchanges named by violations after
    /// the one numbered `violation` (P6 and P7 change an exchange sent earlier), read in one
    /// transaction. Exchanges, quality reports and findings, the tables that grow with the log,
    /// are read through their keys and indexes, so a subscriber's reads cost what changed.
    init(_ db: Database, since seq: Int64, violationsAfter violation: Int64) throws {
        parties = try Row.fetchAll(db, sql: "SELECT * FROM parties WHERE updated_seq >= ? ORDER BY party", arguments: [seq]).map(PartyView.init)
        datasets = try Row.fetchAll(db, sql: """
            SELECT * FROM datasets WHERE cataloged_seq >= ?1 OR reclassified_seq >= ?1 ORDER BY dataset
            """, arguments: [seq]).map(DatasetView.init)
        grants = try Row.fetchAll(db, sql: """
            SELECT * FROM grant_status WHERE issued_seq >= ?1 OR revoked_seq >= ?1 ORDER BY grant_id
            """, arguments: [seq]).map(GrantView.init)
        exchanges = try Row.fetchAll(db, sql: """
            SELECT * FROM exchanges WHERE seq >= ?1
            UNION SELECT * FROM exchanges WHERE received_seq >= ?1
            UNION SELECT * FROM exchanges WHERE exchange IN (SELECT exchange FROM violations WHERE id > ?2)
            ORDER BY seq
            """, arguments: [seq, violation]).map(ExchangeView.init)
        quality = try Row.fetchAll(db, sql: "SELECT * FROM quality WHERE seq >= ? ORDER BY seq", arguments: [seq]).map(QualityView.init)
        findings = try Row.fetchAll(db, sql: "SELECT * FROM findings WHERE seq >= ? ORDER BY seq", arguments: [seq]).map(AuditFindingView.init)
    }
}
