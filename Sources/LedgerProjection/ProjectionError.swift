/// Why the projector could not bring the views up to date: what failed, on which file or entry,
/// and what to do. Invalid views are never an error (they are rebuilt); an unreadable log or a
/// database that cannot be written is.
public struct ProjectionError: Error, Sendable, CustomStringConvertible {
    /// The message, naming the file or entry and what to do.
    public let message: String

    /// The file is not a SQLite database (or is corrupt): the projector replaces it.
    let unreadable: Bool

    init(_ message: String, unreadable: Bool = false) {
        self.message = message
        self.unreadable = unreadable
    }

    /// The message.
    public var description: String { message }
}
