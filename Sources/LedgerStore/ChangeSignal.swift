import Synchronization

/// A generation counter that tasks can wait on without holding a thread: what a log watch, a
/// sequencer or a checkpoint publisher advances when something new is there to look at.
///
/// A waiter reads ``generation`` before it looks, then awaits ``change(after:)`` with it: a change
/// between the look and the wait has advanced the generation, so the wait returns at once and no
/// wake-up is missed.
package final class ChangeSignal: Sendable {
    private struct State {
        var generation: UInt64 = 0
        var waiting: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter: UInt64 = 0
        var stopped = false
    }
    private let state = Mutex(State())

    /// A signal at generation 0 with nobody waiting.
    package init() {}

    /// The current generation: read it before looking.
    package var generation: UInt64 { state.withLock { $0.generation } }

    /// How many tasks are waiting (for metrics).
    package var waiters: Int { state.withLock { $0.waiting.count } }

    /// Advances the generation and wakes every waiter.
    package func advance() {
        let woken = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.generation &+= 1
            defer { state.waiting.removeAll() }
            return Array(state.waiting.values)
        }
        for continuation in woken { continuation.resume() }
    }

    /// Wakes every waiter for good: later waits return at once (the thing watched has stopped).
    package func stop() {
        state.withLock { $0.stopped = true }
        advance()
    }

    /// ``change(after:)``, giving up after `timeout`: true if the generation moved (or the signal
    /// stopped, or the task was cancelled), false if the time ran out first.
    package func change(after seen: UInt64, within timeout: Duration) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await self.change(after: seen)
                return true
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// Returns once the generation has moved past `seen` (at once if it already has), when the
    /// signal is stopped, or when the task is cancelled.
    package func change(after seen: UInt64) async {
        let id = state.withLock { state -> UInt64 in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLock { state -> Bool in
                    if state.generation != seen || state.stopped || Task.isCancelled { return true }
                    state.waiting[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiting.removeValue(forKey: id) }
            continuation?.resume()
        }
    }
}
