import Dispatch
import Foundation
import Synchronization

/// Work started on a thread of its own now, its result collected later with ``wait()``: the
/// pipelines of ``ReplayEngine`` (the next window's parse and signatures) and of the
/// ``Sequencer`` (the next group's signatures, while the group before is committed), and
/// `append --signed` opening the ledger while it parses its first lines.
///
/// A thread, not `DispatchQueue.global().async`: the caller usually runs on a thread of
/// Dispatch's pool (an async command's task), which it blocks in ``wait()``; work queued on that
/// pool behind it waited until Dispatch's monitor added a thread, about two seconds later. A
/// thread of its own starts at once, and its ``Parallel`` chunks run on ``CoreWorkers``.
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
