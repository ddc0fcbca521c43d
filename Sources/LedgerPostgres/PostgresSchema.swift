import LedgerStore
import PostgresNIO

/// The PostgreSQL store's schema (DESIGN §12), versioned: `flowledger init --store` creates it
/// once, and every later open checks that it is the version this code speaks.
///
/// `entries` holds each entry's exact line bytes and is the source of truth; every other table is
/// derived from it and can be rebuilt: the Merkle tree's stored hashes (Go tlog order), the
/// published checkpoints, the rules' history as appended chunks with the writer's state
/// snapshot beside them, and `log_head` — the fence every commit checks and moves.
package enum PostgresSchema {
    /// The version this code creates and reads.
    package static let version: Int32 = 1

    /// The advisory lock key the elected writer holds on the primary for as long as it writes.
    package static let writerLockKey: Int64 = 0x466C_4C65_6467_6572  // "FlLedger"

    /// The channel `flowledger_commit` notifies with the new size after every commit.
    package static let channel = "flowledger_log"

    /// The statements of version 1, run in one transaction.
    static let statements: [String] = [
        """
        CREATE TABLE ledger (
            id int PRIMARY KEY CHECK (id = 1),
            manifest bytea NOT NULL)
        """,
        """
        CREATE TABLE entries (
            seq bigint PRIMARY KEY CHECK (seq >= 0),
            line bytea NOT NULL)
        """,
        """
        CREATE TABLE stored_hashes (
            idx bigint PRIMARY KEY CHECK (idx >= 0),
            hash bytea NOT NULL CHECK (length(hash) = 32))
        """,
        """
        CREATE TABLE log_head (
            id int PRIMARY KEY CHECK (id = 1),
            next_seq bigint NOT NULL,
            last_leaf bytea,
            last_time text,
            epoch bigint NOT NULL,
            writer text,
            writer_url text)
        """,
        """
        CREATE TABLE checkpoints (
            size bigint PRIMARY KEY,
            note text NOT NULL)
        """,
        """
        CREATE TABLE history_chunks (
            upto bigint PRIMARY KEY,
            rows bytea NOT NULL)
        """,
        """
        CREATE TABLE writer_snapshot (
            id int PRIMARY KEY CHECK (id = 1),
            size bigint NOT NULL,
            leaf bytea NOT NULL,
            state bytea NOT NULL)
        """,
        // One group commit, fenced: the head must still hold what this writer last wrote (its
        // epoch, the next seq, the last leaf hash), or nothing is written.
        """
        CREATE FUNCTION flowledger_commit(p_epoch bigint, p_first bigint, p_prev bytea, p_lines bytea[],
                                          p_hash_first bigint, p_hashes bytea[], p_last_leaf bytea, p_last_time text)
        RETURNS bigint LANGUAGE plpgsql AS $$
        DECLARE
            head log_head%ROWTYPE;
            n bigint := coalesce(array_length(p_lines, 1), 0);
        BEGIN
            SELECT * INTO head FROM log_head WHERE id = 1 FOR UPDATE;
            IF head.epoch <> p_epoch THEN
                RAISE EXCEPTION USING ERRCODE = 'FL001', MESSAGE = format(
                    'this writer (epoch %s) was deposed: writer epoch %s (%s) holds the log now; nothing of the group was written',
                    p_epoch, head.epoch, coalesce(head.writer, 'unnamed'));
            END IF;
            IF head.next_seq <> p_first OR head.last_leaf IS DISTINCT FROM p_prev THEN
                RAISE EXCEPTION USING ERRCODE = 'FL001', MESSAGE = format(
                    'the log''s head is at seq %s, but this writer (epoch %s) expected %s with its last leaf; nothing of the group was written',
                    head.next_seq, p_epoch, p_first);
            END IF;
            INSERT INTO entries (seq, line) SELECT p_first + o - 1, l FROM unnest(p_lines) WITH ORDINALITY AS t(l, o);
            INSERT INTO stored_hashes (idx, hash) SELECT p_hash_first + o - 1, h FROM unnest(p_hashes) WITH ORDINALITY AS t(h, o);
            UPDATE log_head SET next_seq = p_first + n, last_leaf = p_last_leaf, last_time = p_last_time WHERE id = 1;
            PERFORM pg_notify('flowledger_log', (p_first + n)::text);
            RETURN p_first + n;
        END $$
        """,
        // The rules' history and the writer's snapshot, fenced like a commit.
        """
        CREATE FUNCTION flowledger_flush(p_epoch bigint, p_replace boolean, p_upto bigint, p_rows bytea, p_leaf bytea, p_state bytea)
        RETURNS void LANGUAGE plpgsql AS $$
        BEGIN
            PERFORM 1 FROM log_head WHERE id = 1 AND epoch = p_epoch FOR SHARE;
            IF NOT FOUND THEN
                RAISE EXCEPTION USING ERRCODE = 'FL001', MESSAGE = format('this writer (epoch %s) was deposed; its state snapshot was not written', p_epoch);
            END IF;
            IF p_replace THEN DELETE FROM history_chunks; END IF;
            INSERT INTO history_chunks (upto, rows) VALUES (p_upto, p_rows) ON CONFLICT (upto) DO UPDATE SET rows = EXCLUDED.rows;
            INSERT INTO writer_snapshot (id, size, leaf, state) VALUES (1, p_upto, p_leaf, p_state)
                ON CONFLICT (id) DO UPDATE SET size = EXCLUDED.size, leaf = EXCLUDED.leaf, state = EXCLUDED.state;
        END $$
        """,
    ]

    /// The privileges the application's role needs, and no more: it may INSERT into `entries`
    /// but never UPDATE, DELETE or TRUNCATE it (DESIGN §12). `role` must be a plain identifier.
    package static func grants(to role: String) -> [String] {
        [
            "GRANT USAGE ON SCHEMA public TO \(role)",
            "GRANT SELECT ON ledger, flowledger_schema TO \(role)",
            "GRANT SELECT, INSERT ON entries, stored_hashes TO \(role)",
            "GRANT SELECT, UPDATE ON log_head TO \(role)",
            "GRANT SELECT, INSERT, UPDATE ON checkpoints, writer_snapshot TO \(role)",
            "GRANT SELECT, INSERT, UPDATE, DELETE ON history_chunks TO \(role)",
            "GRANT EXECUTE ON FUNCTION flowledger_commit(bigint, bigint, bytea, bytea[], bigint, bytea[], bytea, text), flowledger_flush(bigint, boolean, bigint, bytea, bytea, bytea) TO \(role)",
        ]
    }

    /// Creates the schema on `session`'s database if it is not there (idempotent), and checks
    /// its version.
    /// - Throws: ``StoreError/Code/notALedger`` for a schema of another version.
    static func install(on session: PostgresSession, address: PostgresAddress) throws(StoreError) {
        func run(_ sql: String) throws(StoreError) {
            do { _ = try session.query(PostgresQuery(unsafeSQL: sql), doing: "creating the schema of \(address)") } catch { throw error.storeError() }
        }
        try run("BEGIN")
        do {
            try run("CREATE TABLE IF NOT EXISTS flowledger_schema (version int NOT NULL)")
            try run("LOCK TABLE flowledger_schema IN EXCLUSIVE MODE")
            let found = try installedVersion(session, address: address)
            if found == nil {
                for statement in statements { try run(statement) }
                try run("INSERT INTO flowledger_schema (version) VALUES (\(version))")
            }
            try run("COMMIT")
        } catch {
            try? run("ROLLBACK")
            throw error
        }
    }

    /// The schema version in `session`'s database (nil: none), checked against this code's.
    /// - Throws: ``StoreError/Code/notALedger`` for another version.
    @discardableResult
    static func installedVersion(_ session: PostgresSession, address: PostgresAddress) throws(StoreError) -> Int32? {
        let rows: [PostgresRow]
        do {
            let exists = try session.query("SELECT to_regclass('flowledger_schema') IS NOT NULL", doing: "reading the schema version of \(address)")
            guard try exists.first?.decoded(Bool.self, "schema") == true else { return nil }
            rows = try session.query("SELECT version FROM flowledger_schema", doing: "reading the schema version of \(address)")
        } catch {
            throw error.storeError()
        }
        guard let row = rows.first else { return nil }
        let found: Int32
        do { found = try row.decoded(Int32.self, "schema version") } catch { throw error.storeError() }
        guard found == version else {
            throw StoreError(.notALedger, "\(address): the FlowLedger schema is version \(found), but this flowledger speaks version \(version); use the flowledger release that created it")
        }
        return found
    }
}
