import LedgerCore

/// One line handed to ``ReplayEngine`` by a ``ReplayLineSource``: the exact stored bytes and
/// where they are.
package struct ReplayLine: Sendable {
    /// The line's bytes, without its newline.
    package let bytes: ArraySlice<UInt8>
    /// Where it is (its ``EntryLocation/seq`` is its position in the log).
    package let location: EntryLocation
    /// The entry, when the source already parsed it strictly from ``bytes`` with
    /// `Entry(line:)` (a follower hands entries it parsed): the engine does not parse it again.
    package let parsed: Entry?

    /// A line the engine parses itself.
    package init(bytes: ArraySlice<UInt8>, location: EntryLocation) {
        self.bytes = bytes
        self.location = location
        parsed = nil
    }

    /// A line whose entry the source parsed strictly from exactly these bytes.
    package init(bytes: ArraySlice<UInt8>, location: EntryLocation, parsed: Entry) {
        self.bytes = bytes
        self.location = location
        self.parsed = parsed
    }
}

/// What a line source says when asked for more lines.
package enum ReplayRead: Sendable {
    /// The next lines in seq order (at least one).
    case lines([ReplayLine])
    /// No more lines, and how the source ended.
    case end(ReplayEnding)
    /// The store's structure is broken before the next line (a missing segment, a torn line in
    /// a segment that is not the last…): reported once every line before it is applied.
    case broken(ReplayBreak)
}

/// How a line source ended, once every complete line was read.
package enum ReplayEnding: Sendable, Equatable {
    /// Every byte belongs to a complete line.
    case complete
    /// The last segment ends in bytes with no newline: a write torn by a crash, never
    /// acknowledged (or one in progress). Not an entry; the writer cuts it when it opens.
    case torn(TornLine)
}

/// An unterminated line at the very end of the log (DESIGN §9: the only line a crash may tear).
package struct TornLine: Sendable, Equatable {
    /// The segment, relative to the ledger directory (`log/…jsonl`).
    package let file: String
    /// Its path, for a writer that cuts it.
    package let path: String
    /// Where the torn bytes start: the length to cut the segment to.
    package let offset: Int64
    /// How many bytes follow the last newline.
    package let bytes: Int64
}
