import Foundation
import LedgerCore
import LedgerCrypto

/// Reads entry lines of one ledger by seq, from the segment files and the offset index: one
/// `pread` of the index and one of the segment per line. Shared by the reader and the writer.
/// `@unchecked Sendable`: `segments` and `open` are touched only under `lock`; the rest is
/// immutable or uses positional I/O (`pread`), which shares no offset.
final class LogFiles: @unchecked Sendable {
    let layout: LedgerLayout
    let offsets: OffsetIndex
    let hashes: HashFile
    private let lock = NSLock()
    private var segments: SegmentList
    private var open: [Int64: PosixFile] = [:]
    /// At most this many segment files are kept open for reading.
    static let maxOpenSegments = 64

    init(layout: LedgerLayout, writable: Bool) throws(StoreError) {
        self.layout = layout
        if writable { try Directory.create(layout.index) }
        segments = try SegmentList.read(layout)
        if !writable && !Directory.exists(layout.offsets) {
            // A reader never creates files; with no index it scans the segments.
            offsets = try OffsetIndex(path: "/dev/null", writable: false)
            hashes = try HashFile(path: "/dev/null", writable: false)
        } else {
            offsets = try OffsetIndex(path: layout.offsets, writable: writable)
            hashes = try HashFile(path: layout.hashes, writable: writable)
        }
    }

    /// The segment list as of the last ``relistSegments()``.
    var segmentList: SegmentList { lock.withLock { segments } }

    /// Re-reads `log/` (a writer may have rolled to a new segment).
    func relistSegments() throws(StoreError) {
        let fresh = try SegmentList.read(layout)
        lock.withLock { segments = fresh }
    }

    /// Records a segment the writer just created.
    func added(segmentFirstSeq: Int64) { lock.withLock { segments.append(firstSeq: segmentFirstSeq) } }

    /// The open segment file holding `seq`, and its first seq.
    func segment(holding seq: Int64) throws(StoreError) -> (file: PosixFile, firstSeq: Int64) {
        try segment(at: lock.withLock { segments.segmentIndex(of: seq) })
    }

    /// The open segment file at position `index` of the list.
    func segment(at index: Int) throws(StoreError) -> (file: PosixFile, firstSeq: Int64) {
        let firstSeq = lock.withLock { segments.firstSeqs[index] }
        if let file = lock.withLock({ open[firstSeq] }) { return (file, firstSeq) }
        let file = try PosixFile(path: layout.segment(firstSeq: firstSeq), flags: O_RDONLY)
        lock.withLock {
            // Bounded, so a reader walking a ledger of thousands of segments keeps few descriptors.
            if open.count >= Self.maxOpenSegments { open.removeAll() }
            open[firstSeq] = file
        }
        return (file, firstSeq)
    }

    /// The line of entry `seq` at `location` in its segment, checked to end in a newline.
    func line(seq: Int64, at location: OffsetIndex.Location) throws(StoreError) -> [UInt8] {
        let (file, _) = try segment(holding: seq)
        guard location.length >= 0, location.length < Int64(CanonicalJSON.maxLineBytes) + 1 else {
            throw StoreError(.damaged, "\(layout.offsets): the record of entry \(seq) gives a line length of \(location.length); the log may have been changed: run `flowledger verify \(layout.directory)`; if it is intact, delete \(layout.index) and reopen the ledger as its writer to rebuild the index")
        }
        var bytes = try file.read(at: location.offset, count: Int(location.length) + 1)
        guard bytes.count == Int(location.length) + 1, bytes.last == 0x0a else {
            throw StoreError(.damaged, "\(file.path): entry \(seq) is not where \(layout.offsets) says (byte \(location.offset), \(location.length) bytes); the log may have been changed: run `flowledger verify \(layout.directory)`; if it is intact, delete \(layout.index) and reopen the ledger as its writer to rebuild the index")
        }
        bytes.removeLast()
        return bytes
    }
}
