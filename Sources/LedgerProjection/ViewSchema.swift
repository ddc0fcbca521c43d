/// The tables of `views.sqlite` (DESIGN §9: derived, deletable, rebuilt on demand).
///
/// Every view is a table keyed so that its rows have one order (the digest and the CLI read them
/// in that order). Times are stored twice: as the RFC 3339 text of the log and as microseconds
/// since the epoch, so SQL can compare them. Booleans and statuses are text, never reals, so the
/// content has one canonical form (``ViewDigest``).
enum ViewSchema {
    /// Bumped whenever a table or a column changes: a file of another version is rebuilt.
    static let version: Int64 = 4

    /// A view table: its name, its columns in digest order, and the key that orders its rows.
    struct Table: Sendable {
        let name: String
        let columns: [String]
        let orderBy: String
    }

    /// The tables, in digest order. `position` is last: where the projector stands in the log.
    static let tables: [Table] = [
        Table(name: "parties", columns: ["party", "name", "kind", "roles", "key", "key_id", "status", "status_reason",
                                         "registered_seq", "registered_time", "updated_seq"], orderBy: "party"),
        Table(name: "datasets", columns: ["dataset", "owner", "title", "sharing", "level", "fields", "cataloged_seq",
                                          "cataloged_time", "reclassified_seq", "reclassified_reason"], orderBy: "dataset"),
        Table(name: "grants", columns: ["grant_id", "dataset", "owner", "grantee", "purpose", "fields", "valid_from", "valid_until",
                                        "from_us", "until_us", "basis", "issued_seq", "issued_time", "revoked_seq",
                                        "revoked_time", "revoked_reason"], orderBy: "grant_id"),
        Table(name: "exchanges", columns: ["exchange", "seq", "time", "time_us", "provider", "recipient", "dataset", "grant_id",
                                           "purpose", "fields", "records", "bytes", "digest", "ack", "received_seq",
                                           "received_time", "received_records", "received_digest", "verdict", "event_id"], orderBy: "exchange"),
        Table(name: "flows", columns: ["provider", "recipient", "dataset", "exchanges", "records", "bytes", "first_time",
                                       "last_time", "last_time_us"], orderBy: "provider, recipient, dataset"),
        Table(name: "violations", columns: ["id", "rule", "seq", "event_id", "author", "exchange", "dataset", "provider",
                                            "recipient", "related_seq", "message"], orderBy: "id"),
        Table(name: "quality", columns: ["seq", "time", "reporter", "dataset", "exchange", "dimension", "severity", "note"],
              orderBy: "seq"),
        Table(name: "findings", columns: ["seq", "time", "regulator", "subject", "finding", "severity"], orderBy: "seq"),
        Table(name: "position", columns: ["id", "schema_version", "origin", "genesis_hash", "size", "last_hash", "last_time",
                                          "last_time_us", "ack_window_us"], orderBy: "id"),
    ]

    /// The statements that create the tables (and the `grant_status` view) in an empty file.
    static let create = """
        CREATE TABLE parties (
          party TEXT PRIMARY KEY NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL, roles TEXT NOT NULL,
          key TEXT NOT NULL, key_id TEXT NOT NULL, status TEXT NOT NULL, status_reason TEXT,
          registered_seq INTEGER NOT NULL, registered_time TEXT NOT NULL, updated_seq INTEGER NOT NULL
        ) WITHOUT ROWID;
        CREATE TABLE datasets (
          dataset TEXT PRIMARY KEY NOT NULL, owner TEXT NOT NULL, title TEXT NOT NULL, sharing TEXT NOT NULL,
          level TEXT NOT NULL, fields TEXT NOT NULL, cataloged_seq INTEGER NOT NULL, cataloged_time TEXT NOT NULL,
          reclassified_seq INTEGER, reclassified_reason TEXT
        ) WITHOUT ROWID;
        CREATE TABLE grants (
          grant_id TEXT PRIMARY KEY NOT NULL, dataset TEXT NOT NULL, owner TEXT NOT NULL, grantee TEXT NOT NULL,
          purpose TEXT NOT NULL, fields TEXT NOT NULL, valid_from TEXT NOT NULL, valid_until TEXT NOT NULL,
          from_us INTEGER NOT NULL, until_us INTEGER NOT NULL, basis TEXT NOT NULL, issued_seq INTEGER NOT NULL,
          issued_time TEXT NOT NULL, revoked_seq INTEGER, revoked_time TEXT, revoked_reason TEXT
        ) WITHOUT ROWID;
        -- Keyed by seq (the rowid), so rows are appended in log order; the exchange id has its
        -- own unique index (random ids into the table's b-tree made every insert a cache miss).
        CREATE TABLE exchanges (
          exchange TEXT NOT NULL UNIQUE, seq INTEGER PRIMARY KEY NOT NULL, time TEXT NOT NULL, time_us INTEGER NOT NULL,
          provider TEXT NOT NULL, recipient TEXT NOT NULL, dataset TEXT NOT NULL, grant_id TEXT, purpose TEXT NOT NULL,
          fields TEXT NOT NULL, records INTEGER NOT NULL, bytes INTEGER NOT NULL, digest TEXT NOT NULL, ack TEXT NOT NULL,
          received_seq INTEGER, received_time TEXT, received_records INTEGER, received_digest TEXT, verdict TEXT NOT NULL,
          event_id TEXT NOT NULL
        );
        -- The exchanges not yet acknowledged, in log order: the policy fold's open exchanges,
        -- read back when a projector resumes (``PolicyState``). Partial: an exchange leaves it
        -- when acknowledged, and one acknowledged within its batch never enters it.
        CREATE INDEX exchanges_open ON exchanges (seq) WHERE ack IN ('awaiting', 'overdue');
        -- Acknowledgements by the entry that made them (``ChangedRows``: what a run of entries changed).
        CREATE INDEX exchanges_received ON exchanges (received_seq) WHERE received_seq IS NOT NULL;
        CREATE TABLE flows (
          provider TEXT NOT NULL, recipient TEXT NOT NULL, dataset TEXT NOT NULL, exchanges INTEGER NOT NULL,
          records INTEGER NOT NULL, bytes INTEGER NOT NULL, first_time TEXT NOT NULL, last_time TEXT NOT NULL,
          last_time_us INTEGER NOT NULL, PRIMARY KEY (provider, recipient, dataset)
        ) WITHOUT ROWID;
        CREATE TABLE violations (
          id INTEGER PRIMARY KEY NOT NULL, rule TEXT NOT NULL, seq INTEGER NOT NULL, event_id TEXT NOT NULL,
          author TEXT NOT NULL, exchange TEXT NOT NULL, dataset TEXT NOT NULL, provider TEXT NOT NULL,
          recipient TEXT NOT NULL, related_seq INTEGER, message TEXT NOT NULL
        );
        CREATE TABLE quality (
          seq INTEGER PRIMARY KEY NOT NULL, time TEXT NOT NULL, reporter TEXT NOT NULL, dataset TEXT NOT NULL,
          exchange TEXT, dimension TEXT NOT NULL, severity TEXT NOT NULL, note TEXT NOT NULL
        );
        CREATE TABLE findings (
          seq INTEGER PRIMARY KEY NOT NULL, time TEXT NOT NULL, regulator TEXT NOT NULL, subject TEXT NOT NULL,
          finding TEXT NOT NULL, severity TEXT NOT NULL
        );
        CREATE TABLE position (
          id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1), schema_version INTEGER NOT NULL, origin TEXT NOT NULL,
          genesis_hash TEXT NOT NULL, size INTEGER NOT NULL, last_hash TEXT, last_time TEXT, last_time_us INTEGER,
          ack_window_us INTEGER NOT NULL
        );
        -- A grant's status at the last projected entry's ledger time (expiry needs no event).
        CREATE VIEW grant_status AS
          SELECT g.*, CASE
            WHEN g.revoked_seq IS NOT NULL THEN 'revoked'
            WHEN g.until_us < p.last_time_us THEN 'expired'
            WHEN g.from_us > p.last_time_us THEN 'pending'
            ELSE 'active' END AS status
          FROM grants g, position p;
        """

    /// Drops everything ``create`` made (for a rebuild in place).
    /// (`policy_state` is a table of schema 3, dropped with the rest.)
    static let drop = "DROP VIEW IF EXISTS grant_status;\nDROP TABLE IF EXISTS policy_state;\n"
        + tables.map { "DROP TABLE IF EXISTS \($0.name);" }.joined(separator: "\n")
}
