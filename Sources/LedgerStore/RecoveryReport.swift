/// What opening a ledger as its writer found and repaired. Only two things are ever repaired: a
/// torn last line (never acknowledged) and derived files that are missing or behind.
package struct RecoveryReport: Sendable, Equatable, CustomStringConvertible {
    /// A clean report: nothing found, nothing repaired.
    package init() {}
    /// Entries in the log after recovery.
    package var entries: Int64 = 0
    /// Bytes of an unterminated last line that were cut off (0 when the log ended cleanly).
    package var tornBytes: Int64 = 0
    /// The segment the torn line was cut from.
    package var tornSegment: String?
    /// Entries added to the offset index because it was missing or behind.
    package var indexedEntries: Int64 = 0
    /// Entries added to the stored Merkle hashes because they were missing or behind.
    package var hashedEntries: Int64 = 0
    /// Entries whose signatures were checked at open (those the index did not cover yet, i.e.
    /// written just before a crash).
    package var signaturesChecked: Int64 = 0
    /// Entries replayed through the integrity rules at open: those after the writer's state
    /// snapshot, or all of them without one.
    package var replayedEntries: Int64 = 0
    /// The size of the state snapshot the writer resumed from (nil: it replayed the whole log).
    package var resumedAt: Int64?
    /// What opening noticed without repairing the log: a state snapshot that was ignored and
    /// rebuilt, and why.
    package var notes: [String] = []

    /// True when nothing had to be repaired.
    package var isClean: Bool { tornBytes == 0 && indexedEntries == 0 && hashedEntries == 0 }

    /// A one-line summary for logs.
    package var description: String {
        var parts = ["\(entries) entries"]
        if tornBytes > 0 { parts.append("cut a torn last line of \(tornBytes) bytes from \(tornSegment ?? "the last segment")") }
        if indexedEntries > 0 { parts.append("indexed \(indexedEntries) entries") }
        if hashedEntries > 0 { parts.append("hashed \(hashedEntries) entries") }
        parts += notes
        return parts.joined(separator: "; ")
    }
}
