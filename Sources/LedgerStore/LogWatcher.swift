#if canImport(Glibc)
import Glibc
#endif

/// Wakes a follower when a segment file changes, without polling: an inotify watch on `log/`
/// (new segments, appended bytes). Waits are bounded so a follower can notice cancellation.
final class LogWatcher: @unchecked Sendable {
    private let descriptor: Int32

    /// Watches the `log/` directory of `layout`.
    init(layout: LedgerLayout) throws(StoreError) {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw StoreError.io("watch (inotify_init1)", layout.log, errno: errno) }
        let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE)
        guard inotify_add_watch(fd, layout.log, mask) >= 0 else {
            let code = errno
            close(fd)
            throw StoreError.io("watch (inotify_add_watch)", layout.log, errno: code)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Blocks until something in `log/` changed or `milliseconds` passed; drains the events.
    /// - Returns: true if there was a change.
    @discardableResult
    func wait(milliseconds: Int32) -> Bool {
        var request = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
        let ready = poll(&request, 1, milliseconds)
        guard ready > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(descriptor, &buffer, buffer.count) > 0 {}
        return true
    }
}
