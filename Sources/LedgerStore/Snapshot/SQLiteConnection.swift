import GRDBSQLite

/// The few calls of SQLite's C API the writer's history file needs: open, run a statement,
/// prepared statements bound by position. Not shared between threads on its own: its owner
/// (``HistoryFile``) keeps it inside a `Mutex`.
final class SQLiteConnection: @unchecked Sendable {  // only ever used inside HistoryFile's Mutex
    let path: String
    private let handle: OpaquePointer
    private var statements: [Statement] = []
    private var closed = false

    /// Opens (creating) the database at `path`.
    init(path: String) throws(StoreError) {
        self.path = path
        var db: OpaquePointer?
        let status = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nil)
        guard status == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            if let db { sqlite3_close_v2(db) }
            throw StoreError(.io, "\(path): cannot open the writer's state file: \(message)")
        }
        handle = db
    }

    deinit { close() }

    /// Finalizes the statements and closes the database, which (the last connection gone)
    /// checkpoints the WAL into the file and removes it. Later calls fail.
    func close() {
        guard !closed else { return }
        closed = true
        for statement in statements { statement.finalize() }
        statements.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs `sql` (one or more statements without results).
    func execute(_ sql: String) throws(StoreError) {
        guard !closed else { throw StoreError(.closed, "\(path): the writer's state file is closed") }
        guard sqlite3_exec(handle, sql, nil, nil, nil) == SQLITE_OK else { throw failure("run \(sql.prefix(60))") }
    }

    /// A prepared statement, to bind and step many times.
    func prepare(_ sql: String) throws(StoreError) -> Statement {
        guard !closed else { throw StoreError(.closed, "\(path): the writer's state file is closed") }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil) == SQLITE_OK, let statement else {
            throw failure("prepare \(sql.prefix(60))")
        }
        let prepared = Statement(statement, connection: self)
        statements.append(prepared)
        return prepared
    }

    /// The last error, as a ``StoreError`` saying what was being done.
    func failure(_ doing: String) -> StoreError {
        StoreError(.io, "\(path): cannot \(doing): \(String(cString: sqlite3_errmsg(handle)))")
    }

    /// A prepared statement; bind values by 1-based position, then ``step()``.
    final class Statement {
        private let statement: OpaquePointer
        private let connection: SQLiteConnection

        fileprivate init(_ statement: OpaquePointer, connection: SQLiteConnection) {
            self.statement = statement
            self.connection = connection
        }

        private var finalized = false

        deinit { finalize() }

        /// Releases the statement; the connection does this for each of its own when it closes.
        func finalize() {
            guard !finalized else { return }
            finalized = true
            sqlite3_finalize(statement)
        }

        func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }
        func bind(_ index: Int32, _ value: Int64?) {
            if let value { sqlite3_bind_int64(statement, index, value) } else { sqlite3_bind_null(statement, index) }
        }
        func bind(_ index: Int32, _ bytes: [UInt8]) {
            // An empty array may have no address, which SQLite would bind as NULL.
            guard !bytes.isEmpty else { sqlite3_bind_zeroblob(statement, index, 0); return }
            _ = bytes.withUnsafeBytes { sqlite3_bind_blob(statement, index, $0.baseAddress, Int32($0.count), SQLITE_TRANSIENT) }
        }
        func bind(_ index: Int32, _ text: String) { sqlite3_bind_text(statement, index, text, -1, SQLITE_TRANSIENT) }
        /// Binds a copy of `bytes` (SQLite keeps its own).
        func bind(_ index: Int32, copying bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { sqlite3_bind_zeroblob(statement, index, 0); return }
            sqlite3_bind_blob(statement, index, base, Int32(bytes.count), SQLITE_TRANSIENT)
        }
        /// Binds `bytes` without copying them: they must stay valid until ``reset()``.
        func bind(_ index: Int32, borrowing bytes: UnsafeRawBufferPointer) {
            guard let base = bytes.baseAddress, !bytes.isEmpty else { sqlite3_bind_zeroblob(statement, index, 0); return }
            sqlite3_bind_blob(statement, index, base, Int32(bytes.count), nil)  // nil: SQLITE_STATIC
        }

        /// Runs one step: true when a row is ready to read, false when done.
        func step() throws(StoreError) -> Bool {
            guard !finalized else { throw StoreError(.closed, "\(connection.path): the writer's state file is closed") }
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw connection.failure("run a statement")
            }
        }

        /// Clears the bindings and rewinds, for the next use.
        func reset() {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }

        func isNull(_ column: Int32) -> Bool { sqlite3_column_type(statement, column) == SQLITE_NULL }
        func int(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
        func text(_ column: Int32) -> String { sqlite3_column_text(statement, column).map { String(cString: $0) } ?? "" }
        func blob(_ column: Int32) -> [UInt8] {
            withBlob(column) { Array($0) }
        }
        /// Reads a blob in place (valid only inside `body`).
        func withBlob<R>(_ column: Int32, _ body: (UnsafeRawBufferPointer) -> R) -> R {
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let base = sqlite3_column_blob(statement, column) else { return body(UnsafeRawBufferPointer(start: nil, count: 0)) }
            return body(UnsafeRawBufferPointer(start: base, count: count))
        }
    }
}

/// SQLite's "copy the value now" destructor, which the C macro spells as -1.
private let SQLITE_TRANSIENT = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
