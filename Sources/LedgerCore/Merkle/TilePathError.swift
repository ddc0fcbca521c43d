/// A path that does not name a tile of c2sp.org/tlog-tiles: says what part is wrong and what a
/// tile path looks like.
package struct TilePathError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was wrong.
    package let message: String
    /// Creates an error.
    package init(_ message: String) { self.message = message }
    /// The message.
    package var description: String { message }
}
