#if canImport(Glibc)
import Glibc
#endif

/// Wakes a follower when a segment file changes, without polling: an inotify watch on `log/`
/// (new segments, appended bytes). ``interrupt()`` ends a wait at once (a pipe polled beside the
/// watch), so a cancelled follower — `tail -f` on Ctrl-C or at its `--timeout` — stops without
/// waiting out the bound that callers give each wait.
final class LogWatcher: Sendable {
    private let descriptor: Int32
    private let interruption: Int32
    private let interrupter: Int32

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
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else {
            let code = errno
            close(fd)
            throw StoreError.io("watch (pipe)", layout.log, errno: code)
        }
        for end in ends { _ = fcntl(end, F_SETFL, O_NONBLOCK); _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        descriptor = fd
        interruption = ends[0]
        interrupter = ends[1]
    }

    deinit {
        close(descriptor)
        close(interruption)
        close(interrupter)
    }

    /// Blocks until something in `log/` changed, ``interrupt()`` was called, or `milliseconds`
    /// passed; drains the events.
    /// - Returns: true if there was a change or an interruption.
    @discardableResult
    func wait(milliseconds: Int32) -> Bool {
        var requests = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0),
                        pollfd(fd: interruption, events: Int16(POLLIN), revents: 0)]
        let ready = poll(&requests, 2, milliseconds)
        guard ready > 0 else { return false }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while read(descriptor, &buffer, buffer.count) > 0 {}
        while read(interruption, &buffer, buffer.count) > 0 {}
        return true
    }

    /// Ends the current (or next) ``wait(milliseconds:)`` at once; safe from any thread.
    func interrupt() {
        var byte: UInt8 = 1
        _ = write(interrupter, &byte, 1)  // a full pipe already holds a pending wake-up
    }
}
