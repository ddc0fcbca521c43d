import LedgerCore
@testable import LedgerStore
import Testing

/// The Bloom filter in front of the writer's history tables: it may say "maybe" for a key it
/// never saw, never "no" for one it did, across the segments it grows by and through its bytes.
@Suite("History key filter (HistoryKeyFilter)")
struct HistoryKeyFilterTests {
    /// Uniform keys, as SHA-256 digests are, from a seeded generator (repeatable).
    private func keys(_ count: Int, seed: UInt64) -> [DigestKey] {
        var state = seed
        func next() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        return (0..<count).map { _ in DigestKey(high: next(), low: next()) }
    }

    @Test
    func everyKeyInsertedIsFoundAcrossSegmentsAndFewOthersAre() throws {
        var filter = HistoryKeyFilter()
        let inserted = keys(HistoryKeyFilter.firstCapacity * 4, seed: 1)  // fills two segments, starts a third
        for key in inserted { filter.insert(key) }
        #expect(filter.count == inserted.count)
        #expect(inserted.allSatisfy { filter.mightContain($0) })
        let others = keys(100_000, seed: 2)
        let falsePositives = others.filter { filter.mightContain($0) }.count
        #expect(falsePositives < 3_000, "\(falsePositives) of 100,000 keys never inserted were reported as maybe present")

        let readBack = try #require(HistoryKeyFilter(bytes: filter.bytes))
        #expect(readBack.count == filter.count)
        #expect(inserted.allSatisfy { readBack.mightContain($0) })
        #expect(others.filter { readBack.mightContain($0) }.count == falsePositives)
    }

    @Test
    func anEmptyFilterHoldsNothingAndReadsBack() throws {
        let filter = HistoryKeyFilter()
        #expect(!filter.mightContain(DigestKey("events", "a")))
        #expect(filter.bytes.isEmpty)
        #expect(try #require(HistoryKeyFilter(bytes: [])).count == 0)
    }

    @Test
    func bytesThatAreNotAFilterAreRefused() {
        var filter = HistoryKeyFilter()
        filter.insert(DigestKey("events", "a"))
        let bytes = filter.bytes
        #expect(HistoryKeyFilter(bytes: Array(bytes.dropLast())) == nil)  // truncated words
        #expect(HistoryKeyFilter(bytes: Array(bytes.prefix(12))) == nil)  // truncated header
        var oddWords = bytes
        oddWords[8] = 3  // a word count that is not a power of two
        #expect(HistoryKeyFilter(bytes: oddWords) == nil)
        var tooMany = bytes
        tooMany[14] = 1  // more words than the bytes hold
        #expect(HistoryKeyFilter(bytes: tooMany) == nil)
    }
}
