import LedgerCore
import LedgerCrypto

#if !_endian(little)
#error("HistoryKeyFilter stores its words as they lie in memory, which must be little-endian")
#endif

/// A Bloom filter over every key in the history file's tables, so that looking up a key the
/// history never held skips SQLite. That is nearly every lookup: each new event's (author, id)
/// and each new exchange is looked up before it is admitted, and a miss walked the B-tree (a
/// quarter of the committer's time in `append --signed`).
///
/// - No false negatives: a key inserted is always reported as maybe present, so a filter that
///   holds at least the tables' keys never hides a row. A false positive costs one lookup.
/// - One 64-bit word per key with three of its bits set ("register-blocked": one cache line
///   read per segment), 16 bits per key: about 1% false positives when a segment is full.
/// - Grows by segments: when the last is full, a new one of twice its capacity takes the new
///   keys (a filter cannot be resized without its keys). A lookup reads one word per segment;
///   a million-entry ledger has about five.
struct HistoryKeyFilter: Sendable {
    /// Bits of filter per key a segment is sized for.
    static let bitsPerKey = 16
    /// Keys the first segment is sized for (128 KiB of words).
    static let firstCapacity = 1 << 16

    private struct Segment: Sendable {
        var words: [UInt64]
        var count: Int
        var capacity: Int { words.count * 64 / HistoryKeyFilter.bitsPerKey }
    }

    private var segments: [Segment] = []

    /// An empty filter.
    init() {}

    /// Keys inserted (a key inserted twice counts twice).
    var count: Int { segments.reduce(0) { $0 + $1.count } }

    /// Adds `key`.
    mutating func insert(_ key: DigestKey) {
        if segments.isEmpty || segments[segments.count - 1].count >= segments[segments.count - 1].capacity {
            let capacity = segments.last.map { $0.capacity * 2 } ?? Self.firstCapacity
            segments.append(Segment(words: [UInt64](repeating: 0, count: capacity * Self.bitsPerKey / 64), count: 0))
        }
        let last = segments.count - 1
        let (word, mask) = Self.position(of: key, wordCount: segments[last].words.count)
        segments[last].words[word] |= mask
        segments[last].count += 1
    }

    /// False only if `key` was never inserted.
    func mightContain(_ key: DigestKey) -> Bool {
        for segment in segments {
            let (word, mask) = Self.position(of: key, wordCount: segment.words.count)
            if segment.words[word] & mask == mask { return true }
        }
        return false
    }

    /// The word and the three bits of `key` in a segment of `wordCount` words (a power of two).
    /// The key is a SHA-256 digest, so its bits are uniform: the word comes from `low`, the three
    /// bits from `high`'s lowest 18 bits (``DigestKey``'s shard uses its top bits).
    private static func position(of key: DigestKey, wordCount: Int) -> (word: Int, mask: UInt64) {
        let word = Int(truncatingIfNeeded: key.low) & (wordCount - 1)
        let mask = UInt64(1) << (key.high & 63) | UInt64(1) << ((key.high >> 6) & 63) | UInt64(1) << ((key.high >> 12) & 63)
        return (word, mask)
    }

    // MARK: - Bytes

    /// The filter as stored: per segment, le64(count) || le64(word count) || words (le64 each).
    var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(segments.reduce(0) { $0 + 16 + $1.words.count * 8 })
        for segment in segments {
            Self.append(UInt64(segment.count), to: &out)
            Self.append(UInt64(segment.words.count), to: &out)
            segment.words.withUnsafeBytes { out.append(contentsOf: $0) }  // little-endian (checked above)
        }
        return out
    }

    /// Reads ``bytes`` back; nil if they are not a filter this type writes.
    init?(bytes: [UInt8]) {
        var offset = 0
        func next() -> UInt64? {
            guard offset + 8 <= bytes.count else { return nil }
            var value: UInt64 = 0
            for index in 0..<8 { value |= UInt64(bytes[offset + index]) << (8 * index) }
            offset += 8
            return value
        }
        while offset < bytes.count {
            guard let count = next(), let wordCount = next(), wordCount > 0, wordCount & (wordCount - 1) == 0,
                  wordCount <= UInt64((bytes.count - offset) / 8) else { return nil }
            let words = [UInt64](unsafeUninitializedCapacity: Int(wordCount)) { buffer, initialized in
                bytes.withUnsafeBytes { raw in
                    UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + Int(wordCount) * 8)]))
                }
                initialized = Int(wordCount)
            }
            offset += Int(wordCount) * 8
            segments.append(Segment(words: words, count: Int(count)))
        }
    }

    /// The digest stored beside the filter, so a damaged one is rebuilt instead of trusted:
    ///
    ///     digest = SHA-256("flowledger/v1/history-key-filter\n" || bytes)
    static func digest(of bytes: [UInt8]) -> [UInt8] {
        var context = HashContext(.sha256)
        context.update(Array("flowledger/v1/history-key-filter\n".utf8))
        context.update(bytes)
        return context.finish().bytes
    }

    private static func append(_ value: UInt64, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
    }
}
