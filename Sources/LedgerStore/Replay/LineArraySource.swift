import LedgerCore

/// Lines already in memory as a ``ReplayLineSource`` (a range a reader read by seq, a batch a
/// follower handed on): located by seq alone, as in a store without files.
package struct LineArraySource: ReplayLineSource {
    /// Lines in memory cannot fail to be read.
    package typealias Failure = Never

    private let lines: [ReplayLine]
    private var position = 0

    /// `lines`, the first of which stands at seq `firstSeq`.
    package init(_ lines: [[UInt8]], firstSeq: Int64) {
        self.lines = lines.enumerated().map { ReplayLine(bytes: $0.element[...], location: .seq(firstSeq + Int64($0.offset))) }
    }

    /// Entries a reader already parsed strictly from their lines (the engine does not parse them
    /// again), each at the seq it stands at.
    package init(_ entries: [StoredEntry]) {
        lines = entries.map { ReplayLine(bytes: $0.line[...], location: .seq($0.seq), parsed: $0.entry) }
    }

    /// All bytes of the lines, with their newlines.
    package var totalBytes: Int64? { lines.reduce(Int64(0)) { $0 + Int64($1.bytes.count) + 1 } }

    /// The next lines (at most `limit`), then ``ReplayEnding/complete``.
    package mutating func next(limit: Int) -> ReplayRead {
        guard position < lines.count else { return .end(.complete) }
        let end = min(lines.count, position + max(1, limit))
        defer { position = end }
        return .lines(Array(lines[position..<end]))
    }
}
