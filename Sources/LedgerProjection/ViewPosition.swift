import GRDB
import LedgerCrypto

/// Where the views stand in the log: the row of `position`, written in the same transaction as
/// the rows it accounts for, so the views are never ahead of or behind it.
public struct ViewPosition: Hashable, Sendable {
    /// The ledger's origin.
    public let origin: String
    /// The leaf hash of the genesis entry: tells two ledgers with the same origin apart.
    public let genesisHash: String
    /// The number of entries projected (the next seq to project).
    public let size: Int64
    /// The leaf hash of entry `size - 1`, nil when nothing is projected.
    public let lastHash: String?
    /// The ledger time of entry `size - 1`.
    public let lastTime: String?
    /// The P7 window the views were built with, in microseconds.
    public let acknowledgementWindow: Int64
    /// The schema version of the file.
    public let schemaVersion: Int64

    /// Reads the position row; nil in a file without one (new, or not made by this projector).
    static func fetch(_ db: Database) throws -> ViewPosition? {
        guard try db.tableExists("position"),
              let row = try Row.fetchOne(db, sql: "SELECT schema_version, origin, genesis_hash, size, last_hash, last_time, ack_window_us FROM position WHERE id = 1")
        else { return nil }
        return ViewPosition(origin: row[1], genesisHash: row[2], size: row[3], lastHash: row[4], lastTime: row[5],
                            acknowledgementWindow: row[6], schemaVersion: row[0])
    }

    /// Writes the row (inside the transaction that wrote the rows it accounts for).
    func save(_ db: Database, lastTimeMicroseconds: Int64?) throws {
        try db.execute(sql: """
            INSERT INTO position (id, schema_version, origin, genesis_hash, size, last_hash, last_time, last_time_us, ack_window_us)
            VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT (id) DO UPDATE SET size = excluded.size, last_hash = excluded.last_hash,
              last_time = excluded.last_time, last_time_us = excluded.last_time_us
            """, arguments: [schemaVersion, origin, genesisHash, size, lastHash, lastTime, lastTimeMicroseconds, acknowledgementWindow])
    }
}
