import Foundation
import LedgerStore
import Testing

/// The parallel map that parsing uses: results in input order, the first failure by index, and
/// nothing leaked when a chunk fails half-way.
@Suite("Parallel map (Parallel)")
struct ParallelTests {
    /// Counts live instances, so a test can see that every result built was released.
    final class Tracked: Sendable {
        static let live = LiveCount()
        let value: Int
        init(_ value: Int) { self.value = value; Self.live.add(1) }
        deinit { Self.live.add(-1) }
    }

    final class LiveCount: @unchecked Sendable {
        private let lock = NSLock()
        private var count = 0
        func add(_ delta: Int) { lock.withLock { count += delta } }
        var value: Int { lock.withLock { count } }
    }

    struct Failure: Error, Equatable { let index: Int }

    @Test func resultsComeBackInInputOrder() throws {
        let squares = try Parallel.map(10_000, chunkSize: 16) { (index: Int) throws(Failure) -> Int in index * index }
        #expect(squares == (0..<10_000).map { $0 * $0 })
        let few = try Parallel.map(5, chunkSize: 16) { (index: Int) throws(Failure) -> Int in index + 1 }
        #expect(few == [1, 2, 3, 4, 5])
    }

    @Test func theFirstFailureByIndexIsThrownAndNoResultLeaks() {
        #expect(Tracked.live.value == 0)
        #expect(throws: Failure(index: 300)) {
            _ = try Parallel.map(10_000, chunkSize: 16) { (index: Int) throws(Failure) -> Tracked in
                if index == 300 || index == 5_000 || index == 9_999 { throw Failure(index: index) }
                return Tracked(index)
            }
        }
        #expect(Tracked.live.value == 0)
        let kept = try? Parallel.map(1_000, chunkSize: 16) { (index: Int) throws(Failure) -> Tracked in Tracked(index) }
        #expect(kept?.map(\.value) == Array(0..<1_000))
        #expect(Tracked.live.value == 1_000)
    }
}
