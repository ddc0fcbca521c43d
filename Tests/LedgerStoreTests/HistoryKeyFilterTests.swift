import LedgerCore
@testable import LedgerStore
import LedgerTestSupport
import Testing

/// The Bloom filter in front of the writer's history tables: it may say "maybe" for a key it
/// never saw, never "no" for one it did, across the segments it grows by and through its bytes.
@Suite("History key filter (HistoryKeyFilter)")
struct HistoryKeyFilterTests {
    /// Uniform keys, as SHA-256 digests are, from a seeded generator (repeatable).
    private func keys(_ count: Int, seed: UInt64) -> [DigestKey] {
        var random = SeededRandom(seed: seed)
        return (0..<count).map { _ in DigestKey(high: random.next(), low: random.next()) }
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
        #expect(falsePositives < 1_500, "\(falsePositives) of 100,000 keys never inserted were reported as maybe present")

        let readBack = storedAndReadBack(filter)
        #expect(readBack.count == filter.count && readBack.segments.count == 3)
        #expect(inserted.allSatisfy { readBack.mightContain($0) })
        #expect(others.filter { readBack.mightContain($0) }.count == falsePositives)
    }

    @Test
    func theSegmentsThatMightHoldAKeyIncludeTheOneItWentIntoAndNameItsPositions() {
        var filter = HistoryKeyFilter()
        let inserted = keys(HistoryKeyFilter.firstCapacity * 3 + 10, seed: 3)  // three segments and a few keys of a third
        for key in inserted { filter.insert(key) }
        #expect(filter.segments.count == 3)
        #expect(filter.positions(ofSegment: 0) == 0..<HistoryKeyFilter.firstCapacity)
        #expect(filter.positions(ofSegment: 1) == HistoryKeyFilter.firstCapacity..<(3 * HistoryKeyFilter.firstCapacity))
        #expect(filter.positions(ofSegment: 2) == (3 * HistoryKeyFilter.firstCapacity)..<inserted.count)
        for (position, key) in inserted.enumerated() {
            let segment = (0..<3).first { filter.positions(ofSegment: $0).contains(position) }!
            guard filter.segmentsThatMightContain(key) & (1 << UInt64(segment)) != 0 else {
                Issue.record("key \(position) went into segment \(segment), which is not named as holding it")
                return
            }
        }
        #expect(keys(10_000, seed: 4).filter { filter.segmentsThatMightContain($0) != 0 }.count < 150)
    }

    /// Each segment as the history file stores it, read back into a new filter.
    private func storedAndReadBack(_ filter: HistoryKeyFilter) -> HistoryKeyFilter {
        var readBack = HistoryKeyFilter()
        for segment in filter.segments {
            let stored = Array(segment.words.withUnsafeBytes { Array($0) })
            _ = stored.withUnsafeBytes { readBack.appendStored(count: Int64(segment.count), words: $0) }
        }
        return readBack
    }

    @Test
    func onlyTheSegmentsChangedSinceTheyWereStoredAreStoredAgain() {
        var filter = HistoryKeyFilter()
        #expect(filter.firstUnstored == nil)
        let all = keys(HistoryKeyFilter.firstCapacity + 10, seed: 3)
        for key in all.prefix(HistoryKeyFilter.firstCapacity) { filter.insert(key) }
        #expect(filter.firstUnstored == 0)
        filter.markStored()
        for key in all.suffix(10) { filter.insert(key) }  // the first segment is full: a second one
        #expect(filter.segments.count == 2 && filter.firstUnstored == 1)
    }

    @Test
    func anEmptyFilterHoldsNothing() {
        let filter = HistoryKeyFilter()
        #expect(!filter.mightContain(DigestKey("events", "a")))
        #expect(filter.segments.isEmpty && filter.count == 0)
    }

    @Test
    func storedWordsThatAreNotASegmentAreRefused() {
        var filter = HistoryKeyFilter()
        for words in [[UInt8](repeating: 0, count: 24), [UInt8](repeating: 0, count: 12), []] {  // 3 words, 1.5 words, none
            #expect(!words.withUnsafeBytes { filter.appendStored(count: 1, words: $0) })
        }
        #expect(![UInt8](repeating: 0, count: 16).withUnsafeBytes { filter.appendStored(count: -1, words: $0) })
        #expect(filter.segments.isEmpty)
        #expect([UInt8](repeating: 0, count: 16).withUnsafeBytes { filter.appendStored(count: 1, words: $0) })
    }

    @Test
    func theDigestCoversTheSegmentsPlaceItsCountAndItsWords() {
        let words = [UInt8](repeating: 7, count: 16)
        let digest = words.withUnsafeBytes { HistoryKeyFilter.digest(index: 0, count: 2, words: $0) }
        #expect(words.withUnsafeBytes { HistoryKeyFilter.digest(index: 1, count: 2, words: $0) } != digest)
        #expect(words.withUnsafeBytes { HistoryKeyFilter.digest(index: 0, count: 3, words: $0) } != digest)
        var changed = words
        changed[15] = 8
        #expect(changed.withUnsafeBytes { HistoryKeyFilter.digest(index: 0, count: 2, words: $0) } != digest)
    }
}
