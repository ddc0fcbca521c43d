import Dispatch
import Foundation
import Synchronization

/// Work started on a thread of its own now, its result collected later with ``wait()``: the
/// pipelines of ``ReplayEngine`` (the next window's parse and signatures) and of the
/// ``Sequencer`` (the next group's signatures, while the group before is committed), and
/// `append --signed` opening the ledger while it parses its first lines.
///
/// A thread, not `DispatchQueue.global().async`: the caller usually runs on a thread of
/// Dispatch's pool (an async command's task), which it blocks in ``wait()``; work started on a
/// second pool thread then finds the pool (one thread per core) full, and its
/// `concurrentPerform` ran on that one thread until Dispatch's monitor added another, about two
/// seconds later — all of a 20,000-entry verify's first half on one core. From a thread of its
/// own, `concurrentPerform` gets the free pool thread at once.
package final class BackgroundWork<Value: Sendable>: Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let result = Mutex<Value?>(nil)

    /// Starts `work` on a new thread.
    package init(_ work: @escaping @Sendable () -> Value) {
        let thread = Thread { [self] in
            let value = work()
            result.withLock { $0 = value }
            done.signal()
        }
        thread.start()
    }

    /// Whether the result is ready (``wait()`` would not block).
    package var isDone: Bool { result.withLock { $0 != nil } }

    /// Blocks until the work is done; returns its result (call once).
    package func wait() -> Value {
        done.wait()
        return result.withLock { $0.take()! }
    }
}
