import LedgerCore

/// A range of a ``LedgerReader``'s (or any ``LogReader``'s) entries as a ``ReplayLineSource``,
/// read a window at a time through the reader, located by seq.
package struct ReaderLineSource: ReplayLineSource {
    private let read: (Range<Int64>) throws(StoreError) -> [[UInt8]]
    private let end: Int64
    private var seq: Int64

    /// The entries of `range` in `reader` (index and segment tail).
    package init(_ reader: LedgerReader, range: Range<Int64>) {
        read = { range throws(StoreError) in try reader.lines(in: range) }
        seq = range.lowerBound
        end = range.upperBound
    }

    /// The entries of `range` in `store`.
    package init(store: any LogReader, range: Range<Int64>) {
        read = { range throws(StoreError) in try store.lines(in: range) }
        seq = range.lowerBound
        end = range.upperBound
    }

    /// Not known without reading.
    package var totalBytes: Int64? { nil }

    /// The next lines (at most `limit`), then ``ReplayEnding/complete`` at the range's end.
    /// - Throws: ``StoreError`` when the reader cannot read them.
    package mutating func next(limit: Int) throws(StoreError) -> ReplayRead {
        guard seq < end else { return .end(.complete) }
        let first = seq
        let lines = try read(first..<min(end, first + Int64(max(1, limit))))
        seq += Int64(lines.count)
        return .lines(lines.enumerated().map { ReplayLine(bytes: $0.element[...], location: .seq(first + Int64($0.offset))) })
    }
}
