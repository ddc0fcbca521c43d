import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ends a following `tail` the way `tail -f` and `journalctl -f` end: on Ctrl-C (SIGINT) or
/// SIGTERM, and when stdout is a pipe whose reader has gone (`tail -f | head` after `head`
/// exits) — noticed at once even while the ledger is idle and nothing is written.
///
/// A signal handler may only do async-signal-safe work, so it writes one byte to a pipe; one
/// thread sleeps in `poll` on that pipe and on stdout (no CPU while waiting) and calls `stop`.
enum StopWatch {
    /// The write end of the self-pipe, for the signal handler (set once, before it is installed;
    /// only read after, and a handler may not take a lock, hence unsafe rather than a Mutex).
    nonisolated(unsafe) private static var wakeDescriptor: Int32 = -1

    /// What a stop ends: before the printing task exists nothing has been printed or recorded,
    /// so the process exits 0 at once (a long `--verify` replay, say); after, the task is
    /// cancelled and stops between batches.
    final class Target: Sendable {
        private let task = Mutex<Task<Void, Error>?>(nil)

        /// From now on a stop cancels `task`.
        func attach(_ task: Task<Void, Error>) { self.task.withLock { $0 = task } }

        /// Cancels the task, or exits 0 if there is none yet.
        func stop() {
            guard let task = task.withLock({ $0 }) else { _exit(0) }
            task.cancel()
        }
    }

    /// Calls `stop` once, from another thread, on SIGINT, SIGTERM or a closed stdout pipe.
    static func start(_ stop: @escaping @Sendable () -> Void) {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return }  // no pipe: signals keep their default action
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        wakeDescriptor = ends[1]
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in
            var byte: UInt8 = 1
            _ = write(StopWatch.wakeDescriptor, &byte, 1)
        }
        sigemptyset(&action.sa_mask)
        action.sa_flags = SA_RESTART
        sigaction(SIGINT, &action, nil)
        sigaction(SIGTERM, &action, nil)
        var info = stat()
        let stdoutIsPipe = fstat(1, &info) == 0 && ((info.st_mode & S_IFMT) == S_IFIFO || (info.st_mode & S_IFMT) == S_IFSOCK)
        let wake = ends[0]
        Thread.detachNewThread {
            // POLLERR/POLLHUP on stdout are reported without being asked for (events 0).
            var requests = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0), pollfd(fd: 1, events: 0, revents: 0)]
            while poll(&requests, stdoutIsPipe ? 2 : 1, -1) < 0 && errno == EINTR {}
            stop()
        }
    }
}
