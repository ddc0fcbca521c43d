// `flowledger tail -f` as ops run it, in another process (scripts/bench-tail.sh):
//   1. latency from a durable append (this process, the library) to the line printed by a
//      following `flowledger tail -f -o raw` (the release binary, a child process writing into a
//      pipe this process reads on its own thread, stamping each line as it arrives): p50, p99,
//      max, over N sequential appends — measured from the append's return (its receipt: durable)
//      and from its call;
//   2. the CPU the following tail uses while the ledger is idle: utime + stime from
//      /proc/PID/stat over an idle window, and its wake-ups (context switches) per second.
// Results are figures, never assertions.
import Foundation
import FlowLedger
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct TailBench {
    var suite: Suite = .ed25519SHA256
    /// Sequential appends timed.
    var appends = 1000
    /// Seconds of idle ledger over which the tail's CPU is measured.
    var idleSeconds = 10
    /// Keep the temporary ledger (its directory is printed).
    var keep = false

    init(arguments: [String]) throws {
        var rest = arguments[...]
        func number(_ flag: String) throws -> Int {
            guard let text = rest.popFirst(), let value = Int(text), value > 0 else { throw UsageError("\(flag) needs a positive whole number") }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--sm2": suite = .sm2SM3
            case "--appends": appends = try number(argument)
            case "--idle-seconds": idleSeconds = try number(argument)
            case "--keep": keep = true
            default: throw UsageError("unknown option \(argument)")
            }
        }
    }

    func run() throws {
        let work = try makeTemporaryDirectory()
        defer { if !keep { try? FileManager.default.removeItem(atPath: work) } }
        let directory = work + "/ledger"
        let cast = try StoreCast(suite: suite)
        let ledger = try cast.createLedger(at: directory)
        defer { ledger.close() }
        let events = try cast.exchanges(0..<appends)
        print("flowledger tail -f: \(suite.rawValue), \(grouped(appends)) sequential durable appends (fsync per batch), load \(loadAverage())")
        if keep { print("ledger: \(directory)") }

        let tail = try FollowingTail(arguments: [executableDirectory() + "/flowledger", "tail", directory, "-f", "-n", "1", "-o", "raw"],
                                     stderrPath: work + "/tail.stderr")
        defer { tail.stop() }
        try tail.waitForLines(1)  // the last entry already there: from now on it is following

        heading("1. append (library, this process) -> line printed by `flowledger tail -f` (another process)")
        var sinceReturn: [Double] = []
        var sinceCall: [Double] = []
        for (index, event) in events.enumerated() {
            let called = nanos()
            _ = try ledger.writer.appendBlocking([event])
            let returned = nanos()
            let arrived = try tail.waitForLines(index + 2)
            sinceReturn.append(max(0, Double(Int64(arrived) - Int64(returned))) / 1e6)
            sinceCall.append(Double(arrived - called) / 1e6)
        }
        let printedBeforeReturn = zip(sinceReturn, sinceCall).filter { $0.0 == 0 }.count
        for (name, samples) in [("after the append returned (durable)", sinceReturn), ("after the append was called", sinceCall)] {
            let sorted = samples.sorted()
            line("  " + name, String(format: "p50 %7.2f ms   p99 %7.2f ms   max %7.2f ms", quantile(sorted, 0.5), quantile(sorted, 0.99), sorted.last ?? .nan))
        }
        line("  printed before the append returned", "\(grouped(printedBeforeReturn)) of \(grouped(appends)) (readers see a complete line once written, before its fsync)")

        heading("2. the following tail while the ledger is idle (\(idleSeconds) s)")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let before = try tail.usage()
        Thread.sleep(forTimeInterval: Double(idleSeconds))
        let after = try tail.usage()
        let cpu = Double(after.ticks - before.ticks) / ticks
        line("  CPU time", String(format: "%.3f s over %d s = %.3f%% of one core", cpu, idleSeconds, 100 * cpu / Double(idleSeconds)))
        line("  wake-ups (context switches)", String(format: "%.1f /s", Double(FollowingTail.switches(from: before.switches, to: after.switches)) / Double(idleSeconds)))
        tail.stop()
        line("  exit status on SIGINT", "\(tail.status ?? -1)")
    }
}

/// A `flowledger tail -f` child whose stdout is a pipe read by a thread of this process that
/// notes when each line arrives.
private final class FollowingTail: Sendable {
    let pid: pid_t
    /// When each line arrived, and whether the pipe has ended.
    private let seen = Mutex<(arrivals: [UInt64], ended: Bool)>(([], false))
    /// Signalled after each read of the pipe, to wake ``waitForLines(_:)``.
    private let arrived = DispatchSemaphore(value: 0)
    private let exitStatus = Mutex<Int32?>(nil)

    /// The tail's exit status, once ``stop()`` has ended it.
    var status: Int32? { exitStatus.withLock { $0 } }

    init(arguments: [String], stderrPath: String) throws {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { throw BenchError("pipe: \(String(cString: strerror(errno)))") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addclose(&actions, ends[0])
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, arguments[0], &actions, nil, argv, environ)
        close(ends[1])
        guard spawned == 0 else { throw BenchError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
        self.pid = pid
        let readEnd = ends[0]
        Thread.detachNewThread { [self] in
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(readEnd, &buffer, buffer.count)
                if n < 0 && errno == EINTR { continue }
                let now = nanos()
                seen.withLock { seen in
                    if n <= 0 {
                        seen.ended = true
                    } else {
                        for byte in buffer[0..<n] where byte == 0x0a { seen.arrivals.append(now) }
                    }
                }
                arrived.signal()
                if n <= 0 { break }
            }
            close(readEnd)
        }
    }

    /// Waits (at most 60 s) until `count` lines have arrived; returns when the last of them did.
    @discardableResult
    func waitForLines(_ count: Int) throws -> UInt64 {
        let deadline = DispatchTime.now() + .seconds(60)
        /// When line `count` arrived (nil if it has not), how many have, and whether the pipe ended.
        func look() -> (last: UInt64?, lines: Int, ended: Bool) {
            seen.withLock { ($0.arrivals.count >= count ? $0.arrivals[count - 1] : nil, $0.arrivals.count, $0.ended) }
        }
        while true {
            let now = look()
            if let last = now.last { return last }
            guard !now.ended, arrived.wait(timeout: deadline) == .success else {
                let last = look()
                if let arrival = last.last { return arrival }
                throw BenchError("the tail printed \(last.lines) lines, not \(count)")
            }
        }
    }

    /// utime + stime (clock ticks) of the tail so far, and the context switches of each of its
    /// threads by thread id (the wait on inotify runs on a worker thread).
    func usage() throws -> (ticks: Int64, switches: [String: Int64]) {
        let stat = try String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)
        // Fields after the command name (which is in parentheses and may hold spaces).
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        let ticks = Int64(fields[11])! + Int64(fields[12])!  // utime, stime: fields 14 and 15 of stat(5)
        var switches: [String: Int64] = [:]
        for thread in try FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task") {
            let status = (try? String(contentsOfFile: "/proc/\(pid)/task/\(thread)/status", encoding: .utf8)) ?? ""
            for row in status.split(separator: "\n") where row.contains("ctxt_switches:") {
                switches[thread, default: 0] += Int64(row.split(separator: "\t").last!.trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return (ticks, switches)
    }

    /// Context switches from `before` to `after`, over the threads alive at the end (a thread that
    /// ended in between is not counted: a slight undercount).
    static func switches(from before: [String: Int64], to after: [String: Int64]) -> Int64 {
        after.reduce(0) { $0 + $1.value - (before[$1.key] ?? 0) }
    }

    /// Ends the tail with SIGINT (once) and notes its exit status.
    func stop() {
        guard status == nil else { return }
        kill(pid, SIGINT)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        exitStatus.withLock { $0 = code }
    }
}
