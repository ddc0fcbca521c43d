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
/// - One 64-bit word per key with five of its bits set ("register-blocked": one cache line
///   read per segment), 16 bits per key: 0.41% false positives when a segment is full (three
///   bits: 0.79%; every segment adds its own, and a false positive of a million-entry ledger
///   reads the B-tree from disk).
/// - Grows by segments: when the last is full, a new one of twice its capacity takes the new
///   keys (a filter cannot be resized without its keys). A lookup reads one word per segment;
///   a million-entry ledger has five (4 MiB). Only the last segment changes, so only it (and
///   any new one) is stored again (``firstUnstored``).
struct HistoryKeyFilter: Sendable {
    /// Bits of filter per key a segment is sized for.
    static let bitsPerKey = 16
    /// Keys the first segment is sized for (128 KiB of words).
    static let firstCapacity = 1 << 16

    /// One segment: its words (a power of two of them) and how many keys went in.
    struct Segment: Sendable {
        fileprivate(set) var words: [UInt64]
        fileprivate(set) var count: Int
        var capacity: Int { words.count * 64 / HistoryKeyFilter.bitsPerKey }
    }

    private(set) var segments: [Segment] = []
    /// The first segment changed since ``markStored()``; nil when every one is stored as it is.
    private(set) var firstUnstored: Int?

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
        firstUnstored = min(firstUnstored ?? last, last)
    }

    /// False only if `key` was never inserted.
    func mightContain(_ key: DigestKey) -> Bool { segmentsThatMightContain(key) != 0 }

    /// The most segments a filter has: sixty-four hold about 2^80 keys (``segmentsThatMightContain(_:)``
    /// answers in a 64-bit mask); a stored filter with more is rebuilt.
    static let maxSegments = 64

    /// Bit `i` set when segment `i` might hold `key`; none when `key` was never inserted.
    func segmentsThatMightContain(_ key: DigestKey) -> UInt64 {
        var found: UInt64 = 0
        for (index, segment) in segments.enumerated() {
            let (word, mask) = Self.position(of: key, wordCount: segment.words.count)
            if segment.words[word] & mask == mask { found |= 1 << UInt64(index) }
        }
        return found
    }

    /// The positions, in the order keys were inserted, of the keys segment `index` holds: a
    /// segment takes the keys after those of the segments before it.
    func positions(ofSegment index: Int) -> Range<Int> {
        let start = segments[..<index].reduce(0) { $0 + $1.count }
        return start..<(start + segments[index].count)
    }

    /// Bits set per key in its word.
    static let bitsSetPerKey = 5

    /// The word and the five bits of `key` in a segment of `wordCount` words (a power of two).
    /// The key is a SHA-256 digest, so its bits are uniform: the word comes from `low`, the five
    /// bits from `high`'s lowest 30 bits (``DigestKey``'s shard uses its top bits).
    private static func position(of key: DigestKey, wordCount: Int) -> (word: Int, mask: UInt64) {
        let word = Int(truncatingIfNeeded: key.low) & (wordCount - 1)
        var mask: UInt64 = 0
        for bit in 0..<bitsSetPerKey { mask |= UInt64(1) << ((key.high >> UInt64(6 * bit)) & 63) }
        return (word, mask)
    }

    // MARK: - Storing

    /// Records that every segment is stored as it is now.
    mutating func markStored() { firstUnstored = nil }

    /// Appends a segment read back: `count` keys and its words as stored (little-endian, as they
    /// lie in memory). False, and nothing appended, unless the words are a power of two of them.
    mutating func appendStored(count: Int64, words bytes: UnsafeRawBufferPointer) -> Bool {
        let wordCount = bytes.count / 8
        guard count >= 0, bytes.count % 8 == 0, wordCount > 0, wordCount & (wordCount - 1) == 0 else { return false }
        let words = [UInt64](unsafeUninitializedCapacity: wordCount) { buffer, initialized in
            UnsafeMutableRawBufferPointer(buffer).copyMemory(from: bytes)
            initialized = wordCount
        }
        segments.append(Segment(words: words, count: Int(count)))
        return true
    }

    /// The digest stored beside segment `index`, so a damaged one is rebuilt instead of trusted.
    /// Its label names the layout (bits set per key), so a filter laid out otherwise fails it:
    ///
    ///     digest = SHA-256("flowledger/v1/history-key-filter/5\n" || le64(index) || le64(count) || words)
    static func digest(index: Int, count: Int, words: UnsafeRawBufferPointer) -> [UInt8] {
        var context = HashContext(.sha256)
        context.update(Array("flowledger/v1/history-key-filter/\(bitsSetPerKey)\n".utf8))
        for value in [UInt64(index), UInt64(count)] {
            withUnsafeBytes(of: value.littleEndian) { context.update($0) }
        }
        context.update(words)
        return context.finish().bytes
    }
}
