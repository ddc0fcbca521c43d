import Foundation

/// Runs `body` on a thread of its own and returns what it returned: for blocking work (a state
/// file's lock and fsync, a replay, a synchronous database call that may wait seconds for a dead
/// server) that must not hold one of the few threads every task shares.
func onOwnThread<T: Sendable>(named name: String, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.name = name
        thread.start()
    }
}
