import Foundation
import Synchronization

/// One inotify watch of a ledger's `log/` shared by every follower of it in this process: one
/// thread waits on the watch, and followers await a change as suspended tasks — no thread is
/// parked per follower, so a server can hold thousands of live followers.
///
/// A follower reads ``generation`` before it looks at the log, and then awaits
/// ``change(after:)`` with it: a change between the look and the wait advances the generation,
/// so the wait returns at once and no wake-up is missed. The thread also advances the generation
/// every ``safetyInterval`` even with no event (a look every few seconds if a notification were
/// ever lost). The hub lives while a ``Lease`` on it does; the last one to go stops its thread.
final class LogWatchHub: Sendable {
    /// A look at the log at least this often, even without a notification.
    static let safetyInterval: Int32 = 5000
    /// How often a hub without an inotify watch looks.
    static let pollingMicroseconds: UInt32 = 50_000

    /// Nil when the system refused an inotify instance (the per-user limit, 128 by default, is
    /// shared with every other program of the user, a browser among them): the hub then polls.
    private let watcher: LogWatcher?
    private let log: String
    private let signal = ChangeSignal()
    private let state = Mutex(State())

    private struct State {
        var leases = 0
        var stopping = false
    }

    /// Hubs by `log/` path, while leased.
    private static let hubs = Mutex<[String: LogWatchHub]>([:])

    /// Keeps a hub (and its thread) alive; the hub stops when the last lease is released.
    final class Lease: Sendable {
        /// The hub leased.
        let hub: LogWatchHub
        fileprivate init(_ hub: LogWatchHub) { self.hub = hub }
        deinit { hub.release() }
    }

    /// A lease on the hub of `layout`'s `log/`, starting one if none runs.
    static func lease(_ layout: LedgerLayout) throws(StoreError) -> Lease {
        let hub = hubs.withLock { hubs -> LogWatchHub in
            if let hub = hubs[layout.log], hub.retain() { return hub }
            let hub = LogWatchHub(layout: layout)
            _ = hub.retain()
            hubs[layout.log] = hub
            hub.start()
            return hub
        }
        return Lease(hub)
    }

    private init(layout: LedgerLayout) {
        // Following must not fail because watches ran out: polling is slower, never wrong.
        watcher = try? LogWatcher(layout: layout)
        log = layout.log
    }

    /// Counts a lease, unless the hub is already stopping.
    private func retain() -> Bool {
        state.withLock { state in
            guard !state.stopping else { return false }
            state.leases += 1
            return true
        }
    }

    private func release() {
        let stop = state.withLock { state -> Bool in
            state.leases -= 1
            if state.leases == 0 { state.stopping = true }
            return state.stopping
        }
        guard stop else { return }
        Self.hubs.withLock { hubs in if hubs[log] === self { hubs[log] = nil } }
        watcher?.interrupt()
    }

    private func start() {
        let thread = Thread { [self] in
            while !state.withLock({ $0.stopping }) {
                if let watcher {
                    _ = watcher.wait(milliseconds: Self.safetyInterval)
                } else {
                    usleep(Self.pollingMicroseconds)
                }
                advance()
            }
            signal.stop()  // nobody is left waiting on a stopped hub
        }
        thread.name = "flowledger-log-watch"
        thread.start()
    }

    /// Wakes every waiting follower.
    private func advance() { signal.advance() }

    /// The current generation: read it before looking at the log.
    var generation: UInt64 { signal.generation }

    /// Returns once the generation has moved past `seen` (at once if it already has), or when
    /// the task is cancelled.
    func change(after seen: UInt64) async { await signal.change(after: seen) }
}
