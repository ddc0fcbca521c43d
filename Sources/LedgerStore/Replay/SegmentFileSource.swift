import LedgerCore
#if canImport(Glibc)
import Glibc
#endif

/// The segment files of `log/` as a ``ReplayLineSource``: the lines of each segment in order,
/// read a bounded chunk at a time, each with its file, 1-based line and byte offset.
///
/// The structural rules of the segment files are judged here and only here (DESIGN §9):
/// - `log/` holds segment files only, the first one holding seq 0 (``ReplayBreak/layout(message:)``);
/// - each segment is named for the seq its first line stands at, so it starts where the one
///   before ends (``ReplayBreak/segmentOutOfPlace(file:firstSeq:expectedSeq:)``);
/// - no line is longer than ``CanonicalJSON/maxLineBytes`` (``ReplayBreak/oversizedLine(at:)``);
/// - only the last segment may end in an unterminated line — a write torn by a crash, returned
///   as ``ReplayEnding/torn(_:)`` for the caller to note or cut — any other segment that does is
///   ``ReplayBreak/tornLine(at:bytes:)``.
/// It reads `log/` alone, never the derived `index/`.
package struct SegmentFileSource: ReplayLineSource {
    /// Where the files are.
    package let layout: LedgerLayout
    /// The segments listed, or nil when `log/` is not a list of segments (see ``next(limit:)``).
    package let segments: SegmentList?
    /// The bytes of every segment, as listed.
    package let totalBytes: Int64?
    private let listingProblem: String?

    /// Bytes read per `pread`: a bound on memory whatever the segment size.
    private static let chunkBytes = 2 << 20

    private var segmentIndex = 0
    private var file: PosixFile?
    private var fileSize: Int64 = 0
    private var offset: Int64 = 0
    private var lineNumber = 0
    private var seq: Int64 = 0
    private var buffered: [LineSplitter.Line] = []
    private var bufferedStart = 0
    private var final: ReplayRead?
    /// Where to start inside the first segment read: (byte offset, lines before it).
    private var resume: (offset: Int64, lines: Int)?

    /// The segments of the ledger at `layout`, as `log/` lists them now.
    package init(layout: LedgerLayout) {
        do {
            self.init(layout: layout, listed: try SegmentList.read(layout), problem: nil)
        } catch {
            self.init(layout: layout, listed: nil, problem: error.message)
        }
    }

    /// The segments `segments` of the ledger at `layout` (a writer that listed them already).
    package init(layout: LedgerLayout, segments: SegmentList) {
        self.init(layout: layout, listed: segments, problem: nil)
    }

    /// The segments `segments` of the ledger at `layout` from entry `seq` on, whose line starts
    /// at byte `offset` of its segment as its line `line` (1-based): a writer that resumes from a
    /// snapshot of its state reads only what follows it. The lines before are not judged.
    package init(layout: LedgerLayout, segments: SegmentList, from seq: Int64, offset: Int64, line: Int) {
        self.init(layout: layout, listed: segments, problem: nil)
        self.seq = seq
        segmentIndex = segments.segmentIndex(of: seq)
        resume = (offset, line - 1)
    }

    private init(layout: LedgerLayout, listed: SegmentList?, problem: String?) {
        self.layout = layout
        segments = listed
        totalBytes = listed.map {
            $0.firstSeqs.reduce(Int64(0)) { total, seq in
                total + ((try? PosixFile(path: layout.segment(firstSeq: seq), flags: O_RDONLY).size()) ?? 0)
            }
        }
        listingProblem = problem
    }

    /// The name of the segment starting at `firstSeq`, relative to the ledger directory.
    package static func name(firstSeq: Int64) -> String { "log/" + LedgerLayout.segmentName(firstSeq: firstSeq) }

    /// How many segments the log has up to and including `file` (relative name), or all of them.
    package func segmentCount(through file: String? = nil) -> Int {
        let seqs = segments?.firstSeqs ?? []
        guard let file, let position = seqs.firstIndex(where: { Self.name(firstSeq: $0) == file }) else { return seqs.count }
        return position + 1
    }

    /// The next lines of the current segment (at most `limit`), or how the log ends.
    /// - Throws: ``StoreError`` when a segment cannot be opened or read.
    package mutating func next(limit: Int) throws(StoreError) -> ReplayRead {
        if let final { return final }
        while true {
            if bufferedStart < buffered.count {
                let end = min(buffered.count, bufferedStart + max(1, limit))
                let name = Self.name(firstSeq: segments!.firstSeqs[segmentIndex])
                var lines: [ReplayLine] = []
                lines.reserveCapacity(end - bufferedStart)
                for line in buffered[bufferedStart..<end] {
                    lineNumber += 1
                    lines.append(ReplayLine(bytes: line.bytes, location: .segment(name, line: lineNumber, offset: line.offset, seq: seq)))
                    seq += 1
                }
                bufferedStart = end
                return .lines(lines)
            }
            guard let segments else { return finish(.broken(.layout(message: listingProblem ?? "\(layout.log): not a list of segments"))) }
            guard segmentIndex < segments.firstSeqs.count else { return finish(.end(.complete)) }
            let firstSeq = segments.firstSeqs[segmentIndex]
            let name = Self.name(firstSeq: firstSeq)
            if file == nil {
                guard firstSeq == seq || resume != nil else {
                    return finish(.broken(.segmentOutOfPlace(file: name, firstSeq: firstSeq, expectedSeq: seq)))
                }
                let opened = try PosixFile(path: layout.segment(firstSeq: firstSeq), flags: O_RDONLY)
                fileSize = try opened.size()
                file = opened
                (offset, lineNumber) = resume ?? (0, 0)
                resume = nil
            }
            if offset < fileSize {
                let chunk = try file!.read(at: offset, count: Int(min(fileSize - offset, Int64(Self.chunkBytes))))
                let (lines, _) = LineSplitter.split(chunk, baseOffset: offset)
                if let last = lines.last {
                    buffered = lines
                    bufferedStart = 0
                    offset = last.offset + Int64(last.bytes.count) + 1
                    continue
                }
            }
            // Every complete line of this segment is read; what follows the last newline?
            if offset < fileSize {
                let at = EntryLocation.segment(name, line: lineNumber + 1, offset: offset, seq: seq)
                // No newline follows these bytes, so a torn entry line has at most maxLineBytes of them.
                if fileSize - offset > Int64(CanonicalJSON.maxLineBytes) { return finish(.broken(.oversizedLine(at: at))) }
                guard segmentIndex == segments.firstSeqs.count - 1 else { return finish(.broken(.tornLine(at: at, bytes: fileSize - offset))) }
                return finish(.end(.torn(TornLine(file: name, path: layout.segment(firstSeq: firstSeq), offset: offset, bytes: fileSize - offset))))
            }
            file = nil
            buffered = []
            segmentIndex += 1
        }
    }

    private mutating func finish(_ read: ReplayRead) -> ReplayRead {
        final = read
        file = nil
        buffered = []
        return read
    }
}
