import Foundation

extension NSLock {
    /// Runs `body` holding the lock, keeping the body's typed error (Foundation's `withLock`
    /// erases it to `any Error`).
    func locked<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
        lock()
        defer { unlock() }
        return try body()
    }
}
