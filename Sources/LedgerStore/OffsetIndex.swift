#if canImport(Glibc)
import Glibc
#endif

/// `index/offsets`: where each entry's line sits in its segment, 16 bytes per entry
/// (little-endian byte offset, then line length without the newline), so any entry is one
/// `pread` away. Derived from the segments: rebuilt or extended when missing or behind.
final class OffsetIndex: @unchecked Sendable {
    /// Bytes per entry.
    static let recordSize = 16

    /// A line's place in its segment.
    struct Location: Equatable, Sendable {
        /// Byte offset of the line in its segment.
        var offset: Int64
        /// Length of the line, without its newline.
        var length: Int64
    }

    private let file: PosixFile

    /// Opens (creating when `writable`) the index at `path`.
    init(path: String, writable: Bool) throws(StoreError) {
        file = try PosixFile(path: path, flags: writable ? (O_RDWR | O_CREAT) : O_RDONLY)
    }

    /// How many whole records the file holds.
    func count() throws(StoreError) -> Int64 { try file.size() / Int64(Self.recordSize) }

    /// The location of entry `seq`.
    func location(of seq: Int64) throws(StoreError) -> Location {
        try locations(from: seq, count: 1)[0]
    }

    /// The locations of `count` entries from `seq` on.
    func locations(from seq: Int64, count: Int) throws(StoreError) -> [Location] {
        let bytes = try file.read(at: seq * Int64(Self.recordSize), count: count * Self.recordSize)
        guard bytes.count == count * Self.recordSize else {
            throw StoreError(.io, "\(file.path): holds no record for entry \(seq + Int64(bytes.count / Self.recordSize)); the index is behind the log (the writer repairs it when it opens)")
        }
        return (0..<count).map { i in
            Location(offset: Self.readUInt64(bytes, i * Self.recordSize), length: Self.readUInt64(bytes, i * Self.recordSize + 8))
        }
    }

    /// Writes records for entries `firstSeq…` (overwriting from there on).
    func write(_ locations: [Location], from firstSeq: Int64) throws(StoreError) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(locations.count * Self.recordSize)
        for location in locations {
            Self.appendUInt64(UInt64(location.offset), to: &bytes)
            Self.appendUInt64(UInt64(location.length), to: &bytes)
        }
        try file.write(bytes, at: firstSeq * Int64(Self.recordSize))
    }

    /// Keeps the first `count` records.
    func truncate(to count: Int64) throws(StoreError) { try file.truncate(to: count * Int64(Self.recordSize)) }

    static func readUInt64(_ bytes: [UInt8], _ at: Int) -> Int64 {
        var value: UInt64 = 0
        for i in 0..<8 { value |= UInt64(bytes[at + i]) << UInt64(8 * i) }
        return Int64(bitPattern: value)
    }

    static func appendUInt64(_ value: UInt64, to bytes: inout [UInt8]) {
        for i in 0..<8 { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(8 * i))) }
    }
}
