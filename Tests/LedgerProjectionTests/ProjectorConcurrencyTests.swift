import Dispatch
import FlowLedger
import Foundation
import LedgerProjection
import LedgerTestSupport
import Synchronization
import Testing

/// One projector shared between threads, as a service shares it between requests: catch-ups run
/// while other threads read ``Projector/views`` and ``Projector/digest()``. Without a sanitizer
/// the test proves the outcome only. (With Swift 6.3 on Linux, `--sanitize=thread` does not see
/// `Synchronization.Mutex`: it flags even two threads incrementing one `Mutex<Int>`, and it did not
/// flag the old projector's unlocked read of `database`; so TSan proves nothing either way here.)
@Suite struct ProjectorConcurrencyTests {
    /// Shared by the threads of a test.
    private final class Shared: Sendable {
        let reads = Atomic<Int>(0)
        let finished = Atomic<Bool>(false)
        let failures = Mutex<[String]>([])
        let notes = Mutex<[String]>([])
    }

    /// Runs `body` on a thread of its own (not Dispatch's pool, which would not add a thread
    /// for a writer while the readers keep its few threads busy), inside `group`.
    static func onThread(_ group: DispatchGroup, _ body: @escaping @Sendable () -> Void) {
        group.enter()
        Thread.detachNewThread {
            body()
            group.leave()
        }
    }

    /// Keeps the first page of `path` (the schema, so the file still opens) and overwrites the
    /// rest: the first catch-up finds the file unreadable and replaces the projector's database.
    static func damageTables(_ path: String) throws {
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.replaceSubrange(4096..., with: Data(repeating: 0x41, count: bytes.count - 4096))
        try bytes.write(to: URL(fileURLWithPath: path))
    }

    /// The catch-up that swaps the database for a new one happens while readers take it: each
    /// reader gets the old queue or the new one, never a torn reference, and when the writers
    /// are done every reader sees the whole views.
    @Test func viewsReadWhileCatchUpsReplaceTheDatabaseAndRebuild() throws {
        let directory = try fixtureCopy("intact")
        defer { removeCopy(directory) }
        let path = directory + "/views.sqlite"
        _ = try Projector(directory: directory).catchUp()  // closed again when it goes
        try Self.damageTables(path)
        let projector = try Projector(directory: directory)
        #expect(throws: (any Error).self, "the tables of the damaged file are not readable") { try projector.views.exchanges() }

        let shared = Shared()
        let readers = DispatchGroup()
        for reader in 0..<4 {
            Self.onThread(readers) {
                repeat {
                    if reader < 2 {
                        // Reads through SQLite: fail while the file is the damaged one, read the new one after.
                        _ = try? projector.views.exchanges()
                        _ = try? projector.digest()
                    } else {
                        // Only takes the database (the reference a catch-up swaps), as often as it
                        // can, never entering SQLite, whose own mutexes would order it after the swap.
                        for _ in 0..<100 { _ = projector.views }
                    }
                    shared.reads.add(1, ordering: .relaxed)
                } while !shared.finished.load(ordering: .relaxed)
            }
        }
        let writers = DispatchGroup()
        for writer in 0..<2 {
            Self.onThread(writers) {
                // Start once the readers are reading.
                while shared.reads.load(ordering: .relaxed) < 3 { usleep(100) }
                do {
                    var notes = try projector.catchUp().notes
                    for _ in 0..<5 {
                        notes += try projector.rebuild().notes
                        notes += try projector.catchUp().notes
                    }
                    shared.notes.withLock { $0 += notes }
                } catch {
                    shared.failures.withLock { $0.append("writer \(writer): \(error)") }
                }
            }
        }
        let writersEnded = writers.wait(timeout: .now() + 120) == .success
        shared.finished.store(true, ordering: .relaxed)
        readers.wait()

        #expect(writersEnded, "the catch-ups did not end within 2 minutes")
        #expect(shared.failures.withLock { $0 } == [])
        let replaced = shared.notes.withLock { $0 }.filter { $0.contains("views.sqlite is not a readable SQLite database") }
        #expect(replaced.count == 1, "the damaged file is replaced once: \(shared.notes.withLock { $0 })")
        #expect(try projector.views.exchanges().count == 4)
        #expect(try ViewsCheck.run(directory: directory).holds)
    }
}
