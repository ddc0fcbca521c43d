import LedgerCore
import LedgerCrypto
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// Reads the complete lines of one segment file in order, a bounded chunk at a time, with
/// their 1-based line numbers: the verifier reads `log/` directly and nothing derived.
struct SegmentLines {
    /// A line with where it is.
    struct Line {
        /// 1-based line number in the segment.
        let number: Int
        /// The bytes, without the newline.
        let bytes: ArraySlice<UInt8>
    }

    /// How a segment ended.
    enum Ending: Equatable {
        /// Every byte belongs to a newline-terminated line.
        case complete
        /// `bytes` bytes after the last newline: a torn write (or one in progress).
        case unterminated(bytes: Int64)
        /// A line longer than the entry limit, starting at line `line`.
        case oversized(line: Int)
    }

    private static let chunkBytes = 2 << 20

    let file: PosixFile
    let size: Int64
    private var offset: Int64 = 0
    private var lineNumber = 0

    /// Opens the segment at `path`.
    init(path: String) throws(StoreError) {
        file = try PosixFile(path: path, flags: O_RDONLY)
        size = try file.size()
    }

    /// The next lines (at most a chunk's worth), or nil at the end of the complete lines; then
    /// ``ending`` says what, if anything, follows them.
    mutating func next() throws(StoreError) -> [Line]? {
        guard offset < size else { return nil }
        let chunk = try file.read(at: offset, count: Int(min(size - offset, Int64(Self.chunkBytes))))
        let (lines, _) = LineSplitter.split(chunk, baseOffset: offset)
        guard let last = lines.last else { return nil }
        offset = last.offset + Int64(last.bytes.count) + 1
        defer { lineNumber += lines.count }
        return lines.enumerated().map { Line(number: lineNumber + $0.offset + 1, bytes: $0.element.bytes) }
    }

    /// What follows the last complete line, once ``next()`` returned nil.
    var ending: Ending {
        if offset >= size { return .complete }
        // No newline follows these bytes, so a torn entry line has at most maxLineBytes of them.
        if size - offset > Int64(CanonicalJSON.maxLineBytes) { return .oversized(line: lineNumber + 1) }
        return .unterminated(bytes: size - offset)
    }
}
