import LedgerStore

/// Why the projector could not bring the views up to date: what failed, on which file or entry,
/// and what to do. Invalid views are never an error (they are rebuilt); an unreadable log or a
/// database that cannot be written is.
public struct ProjectionError: Error, Sendable, CustomStringConvertible {
    /// The message, naming the file or entry and what to do.
    public let message: String

    /// The file is not a SQLite database (or is corrupt): the projector replaces it.
    let unreadable: Bool
    /// The log itself is damaged or was changed (a line that does not parse, a broken `prev`
    /// chain, an index that does not match): a command reports it as such (exit 1), not as I/O.
    package let logDamaged: Bool

    init(_ message: String, unreadable: Bool = false, logDamaged: Bool = false) {
        self.message = message
        self.unreadable = unreadable
        self.logDamaged = logDamaged
    }

    /// The message.
    public var description: String { message }

    /// A store error met while reading the log, damage kept as such.
    init(_ error: StoreError) {
        self.init(error.message, logDamaged: error.code == .damaged || error.code == .malformed)
    }
}
