/// Why the projector could not bring the views up to date: what failed, on which file or entry,
/// and what to do. Invalid views are never an error (they are rebuilt); an unreadable log or a
/// database that cannot be written is.
public struct ProjectionError: Error, Sendable, CustomStringConvertible {
    /// The message, naming the file or entry and what to do.
    public let message: String

    init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
