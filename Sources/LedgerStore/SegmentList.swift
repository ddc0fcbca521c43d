import LedgerCore

/// The segment files of a ledger, in order: each named by the seq of its first entry.
package struct SegmentList: Sendable, Equatable {
    /// The first seq of each segment, ascending.
    package private(set) var firstSeqs: [Int64]

    /// Lists `log/`; any file there that is not a segment name is refused, so a stray or renamed
    /// file is noticed rather than ignored.
    package static func read(_ layout: LedgerLayout) throws(StoreError) -> SegmentList {
        var seqs: [Int64] = []
        for name in try Directory.list(layout.log) {
            if let seq = LedgerLayout.firstSeq(ofSegmentNamed: name) {
                seqs.append(seq)
            } else if !name.hasPrefix(".") {
                throw StoreError(.damaged, "\(layout.log)/\(name): not a segment file (expected names like 00000000000000000000.jsonl); move it out of the log directory")
            }
        }
        seqs.sort()
        guard seqs.first == 0 else {
            throw StoreError(.damaged, "\(layout.log): \(seqs.isEmpty ? "no segment files" : "the first segment starts at seq \(seqs[0])"); the segment \(LedgerLayout.segmentName(firstSeq: 0)) with the genesis entry is missing")
        }
        return SegmentList(firstSeqs: seqs)
    }

    /// The index of the segment holding `seq`.
    package func segmentIndex(of seq: Int64) -> Int {
        var low = 0
        var high = firstSeqs.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if firstSeqs[mid] <= seq { low = mid } else { high = mid - 1 }
        }
        return low
    }

    /// Adds a new last segment.
    mutating func append(firstSeq: Int64) { firstSeqs.append(firstSeq) }
}

/// Splits segment bytes into lines. A line is a run of bytes ending in `\n`; what follows the
/// last `\n` is an unterminated tail (a torn write, or a write in progress).
package struct LineSplitter {
    /// A line found, without its newline.
    package struct Line {
        /// Byte offset of the line in the segment.
        package let offset: Int64
        /// The line's bytes.
        package let bytes: ArraySlice<UInt8>
    }

    /// The complete lines of `bytes` (which start at `baseOffset` in the segment), and the
    /// length of the unterminated tail.
    package static func split(_ bytes: [UInt8], baseOffset: Int64) -> (lines: [Line], tail: Int) {
        var lines: [Line] = []
        var start = 0
        bytes.withUnsafeBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                if let found = memchrIndex(buffer, from: index) {
                    lines.append(Line(offset: baseOffset + Int64(start), bytes: bytes[start..<found]))
                    start = found + 1
                    index = start
                } else {
                    break
                }
            }
        }
        return (lines, bytes.count - start)
    }

    private static func memchrIndex(_ buffer: UnsafeBufferPointer<UInt8>, from: Int) -> Int? {
        guard let base = buffer.baseAddress, from < buffer.count,
              let found = memchr(base + from, 0x0a, buffer.count - from) else { return nil }
        return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
    }
}

#if canImport(Glibc)
import Glibc
#endif
