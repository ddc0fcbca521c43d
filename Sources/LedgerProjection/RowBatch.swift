import GRDB
import GRDBSQLite

/// The SQL statements of one batch of entries with their values, laid out flat: statement
/// numbers, one small record per value, and every text's bytes in one arena.
///
/// ``ViewWriter`` fills it on the thread that parses and folds; ``write(to:)`` then runs it in
/// the transaction on the writer's thread, binding pointers into the arena (SQLite reads them in
/// place, `SQLITE_STATIC`). The writer's core touches no Swift strings, so it spends its time in
/// SQLite instead of in reference counting and the allocator, as it did with one Swift value per
/// row.
struct RowBatch: Sendable {
    /// One value to bind.
    private struct Value: Sendable {
        enum Kind: UInt8, Sendable { case null, integer, text }
        var kind: Kind
        /// Integers: the value; texts: the offset of the bytes in `arena`.
        var integer: Int64
        /// Texts: the length in bytes.
        var length: Int32
    }

    /// Statement number (an index into ``ViewStatements/sql``) and how many values it takes.
    private var statements: [(statement: UInt8, count: UInt8)] = []
    private var values: [Value] = []
    private var arena: [UInt8] = [0]  // never empty: an empty text still needs an address

    /// Rows of statements so far.
    var count: Int { statements.count }

    /// Room for about `statements` statements of `bytes` bytes of text in all: batches are
    /// alike, so the previous one's size spares regrowing (and faulting in) the arrays.
    mutating func reserve(statements: Int, values: Int, bytes: Int) {
        self.statements.reserveCapacity(statements)
        self.values.reserveCapacity(values)
        arena.reserveCapacity(bytes)
    }

    /// The sizes to reserve for a batch like this one.
    var sizes: (statements: Int, values: Int, bytes: Int) { (statements.count, values.count, arena.count) }

    /// Appends statement `statement` with `arguments`; returns the index of its first value (for
    /// ``replace(_:with:)``).
    @discardableResult
    mutating func append<each Argument: RowValue>(_ statement: ViewStatements.Number, _ arguments: repeat each Argument) -> Int {
        let first = values.count
        for argument in repeat each arguments { argument.append(to: &self) }
        statements.append((statement.rawValue, UInt8(values.count - first)))
        return first
    }

    /// Replaces the value at `index` (of a statement not yet run): a row completed later in the
    /// same batch, such as an exchange acknowledged a few entries after it was sent.
    mutating func replace(_ index: Int, with value: some RowValue) {
        value.append(to: &self)  // one value at the end (its text, if any, into the arena)
        values[index] = values.removeLast()
    }

    /// The integer at value `index`.
    func integer(at index: Int) -> Int64 { values[index].integer }

    /// True when value `index` is the text `text` (compared in place).
    func text(at index: Int, equals text: String) -> Bool {
        let value = values[index]
        guard value.kind == .text, Int(value.length) == text.utf8.count else { return false }
        return arena[Int(value.integer)..<Int(value.integer) + Int(value.length)].elementsEqual(text.utf8)
    }

    /// The text at value `index` (nil for an integer or NULL).
    func text(at index: Int) -> String? {
        let value = values[index]
        guard value.kind == .text else { return nil }
        return String(decoding: arena[Int(value.integer)..<Int(value.integer) + Int(value.length)], as: UTF8.self)
    }

    mutating func appendNull() { values.append(Value(kind: .null, integer: 0, length: 0)) }

    mutating func append(integer: Int64) { values.append(Value(kind: .integer, integer: integer, length: 0)) }

    mutating func append(text: String) {
        let offset = Int64(arena.count)
        if text.utf8.withContiguousStorageIfAvailable({ arena.append(contentsOf: $0) }) == nil {
            arena.append(contentsOf: text.utf8)
        }
        values.append(Value(kind: .text, integer: offset, length: Int32(arena.count) - Int32(offset)))
    }

    /// Runs every statement in order inside the caller's transaction (statements are prepared
    /// once per call).
    func write(to db: Database) throws {
        var prepared: [Statement?] = Array(repeating: nil, count: ViewStatements.sql.count)
        var next = 0
        try arena.withUnsafeBufferPointer { arena in
            let base = UnsafeRawPointer(arena.baseAddress!).assumingMemoryBound(to: CChar.self)
            for (number, count) in statements {
                let handle: OpaquePointer
                if let known = prepared[Int(number)] {
                    handle = known.sqliteStatement
                } else {
                    let statement = try db.makeStatement(sql: ViewStatements.sql[Int(number)])
                    prepared[Int(number)] = statement  // kept: the statement lives as long as its object
                    handle = statement.sqliteStatement
                }
                for index in 0..<Int(count) {
                    let value = values[next + index]
                    let parameter = Int32(index + 1)
                    switch value.kind {
                    case .null: sqlite3_bind_null(handle, parameter)
                    case .integer: sqlite3_bind_int64(handle, parameter, value.integer)
                    case .text: sqlite3_bind_text(handle, parameter, base + Int(value.integer), value.length, staticText)
                    }
                }
                next += Int(count)
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                guard code == SQLITE_DONE else {
                    throw ProjectionError("views: SQLite error \(code) writing the views (\(String(cString: sqlite3_errmsg(db.sqliteConnection)))); delete views.sqlite to rebuild it")
                }
            }
        }
    }
}

/// The text stays where it is until the statement is reset (`SQLITE_STATIC`).
private let staticText = unsafeBitCast(0, to: sqlite3_destructor_type.self)

/// A value a ``RowBatch`` can hold: a text, an integer, or either of them or NULL.
protocol RowValue {
    func append(to batch: inout RowBatch)
}

extension String: RowValue {
    func append(to batch: inout RowBatch) { batch.append(text: self) }
}

extension Int64: RowValue {
    func append(to batch: inout RowBatch) { batch.append(integer: self) }
}

extension Optional: RowValue where Wrapped: RowValue {
    func append(to batch: inout RowBatch) {
        if let value = self { value.append(to: &batch) } else { batch.appendNull() }
    }
}
