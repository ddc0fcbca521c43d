// Small helpers shared by the benchmarks: clocks, aligned output, parallel work, child
// processes, temporary directories and process statistics.
import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import LedgerStore
import LedgerTestSupport

let usage = """
    usage: flowledger-bench [core] [--sm2]
           flowledger-bench store [--sm2] [--quick] [--events N] [--tasks N] [--batch N] [--rounds N]
                                  [--latency-appends N] [--proof-entries N] [--proofs N] [--keep]
           flowledger-bench verify [--sm2] [--quick] [--entries N[,N…]] [--rounds N] [--ledger DIR]
           flowledger-bench tail [--sm2] [--appends N] [--idle-seconds N] [--keep]
           flowledger-bench views [--quick] [--open] [--entries N] [--ledger DIR]
           flowledger-bench open [--quick] [--entries N] [--rounds N] [--ledger DIR]
           flowledger-bench report [--quick] [--open] [--entries N] [--ledger DIR]
           flowledger-bench service [--quick] [--events N] [--singles N] [--followers N] [--idle-seconds N]
           flowledger-bench mirror [--sm2] [--entries N] [--ledger DIR]
           flowledger-bench history [--quick] [--rows N] [--lookups N] [--no-baseline]

      core     the core's hot paths on one core beside OpenSSL's raw verify rate (the default)
      store    the store beside OpenSSL's raw verify rate on all cores: batched and concurrent
               appends through the library, `flowledger append --signed`, durable append latency,
               proofs on a large ledger (defaults: 100,000 events, 3 rounds, 1,000,000 proof entries;
               --sm2 defaults are 5x smaller, --quick makes every size ~10x smaller and one round)
      verify   `flowledger verify` (a child process) on ledgers of each size of --entries (default
               20,000 and 1,000,000), entries/s beside OpenSSL's raw verify rate on all cores (the
               ratio for each size), the cores it kept busy and its peak RSS; --ledger keeps the
               built ledgers in DIR (a folder per size) and reuses them on later runs
      tail     `flowledger tail -f` in another process: latency from a durable append to the printed
               line (p50, p99 over 1,000 appends), and the follower's CPU while the ledger is idle (10 s)
      views    the projector: catch-up from nothing into views.sqlite on a ledger of --entries
               (default 1,000,000; --open: exchanges never acknowledged, the policy fold's
               largest state) in entries/s, the file's size, resuming at 90%, reading
      open     a ledger of --entries (default 1,000,000) opened by a new process each time: wall time
               and peak RSS of `flowledger append` of one event and of `flowledger checkpoint`, then
               opening after the state snapshot was deleted and after a SIGKILL while it was written,
               and `flowledger verify` of the result
      report   `flowledger report` (a child process) on a ledger of --entries (default 1,000,000;
               --open: every exchange overdue) with current views: wall time (goal ≤ 10 s), peak
               RSS, the page's size (goal ≤ 5 MiB), and `flowledger verify` alone beside it
      service  `flowledger serve` on loopback beside the local `append --signed` rate: 16 clients ×
               batches of 100 (goal ≥ 0.8), 64 clients × 1 event with p50/p99 (goal ≥ 0.4), append ->
               v1/events follower p50/p99 (goal p99 ≤ 50 ms), 1,000 idle followers' server CPU
               (goal ≤ 1% of a core) and RSS (≤ 256 MiB), tlog-tiles served per second, and 16 × 100
               over TLS as a ratio
      mirror   `flowledger mirror` (a child process) of a ledger of --entries (default 100,000)
               served by `flowledger serve --public-read` on loopback: entries/s beside OpenSSL's
               raw verify rate on all cores (goal ≥ 0.75), peak RSS (goal ≤ 128 MiB), and the
               incremental mirror of 1,000 new entries (goal ≤ 1 s)
      history  the writer's history file (HistoryFile) as it grows to --rows rows (default 4,194,304):
               the time of each write of 65,536 event and 65,536 exchange rows beside the same rows
               keyed by digest alone (version 3's layout, through GRDB), and lookups at each doubling
    """

/// A bad command line; printed with the usage text (exit 2).
struct UsageError: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

/// The value of option `flag`, taken from the front of `rest`: a positive whole number, `_`
/// allowed as a digit separator (`--entries 1_000_000`).
func positiveNumber(after flag: String, in rest: inout ArraySlice<String>) throws -> Int {
    guard let text = rest.popFirst(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
        throw UsageError("\(flag) needs a positive whole number")
    }
    return value
}

/// A benchmark step that did not do what it should (a rejected append, a failed child process).
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

// MARK: - Time and output

/// Monotonic nanoseconds.
func nanos() -> UInt64 { DispatchTime.now().uptimeNanoseconds }

/// Seconds since `start` (from ``nanos()``).
func seconds(since start: UInt64) -> Double { Double(nanos() - start) / 1e9 }

/// One aligned result line: the name padded to 44 columns, then the value.
func line(_ name: String, _ value: String) {
    print(name.padding(toLength: 44, withPad: " ", startingAt: 0) + value)
}

/// A rate line, `12345 /s`, with an optional note after it.
func rateLine(_ name: String, _ rate: Double, _ note: String = "") {
    line(name, String(format: "%12.0f /s", rate) + (note.isEmpty ? "" : "   " + note))
}

/// A section heading.
func heading(_ text: String) {
    print("")
    print(text)
}

/// `1234567` → `1,234,567`.
func grouped(_ value: Int) -> String {
    let digits = Array(String(value.magnitude))
    var out = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { out.append(",") }
        out.append(digit)
    }
    return (value < 0 ? "-" : "") + out
}

/// Bytes as MiB with one decimal.
func mebibytes(_ bytes: Int64) -> String { String(format: "%.1f MiB", Double(bytes) / 1_048_576) }

/// The value at quantile `q` (0…1) of `sorted`.
func quantile(_ sorted: [Double], _ q: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let index = min(sorted.count - 1, max(0, Int((q * Double(sorted.count)).rounded(.up)) - 1))
    return sorted[index]
}

// MARK: - Parallel work

/// `transform` applied to 0..<count on every core (in about eight chunks per core, results in
/// input order); the first error thrown, by index, is rethrown. It is FlowLedger's own
/// ``Parallel/map(_:chunkSize:throwing:)``, on the pinned workers its checks use
/// (``CoreWorkers``), so a limit measured with this is the best the machine gives them, not one
/// handicapped by the scheduler.
func parallelMap<T>(_ count: Int, _ transform: (Int) throws -> T) throws -> [T] {
    try Parallel.map(count, chunkSize: max(1, count / (CoreWorkers.shared.cores * 8)), throwing: transform)
}

/// A seeded SplitMix64 generator, so the proof positions are the same in every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

// MARK: - Files and processes

/// A new empty directory under the system's temporary directory.
func makeTemporaryDirectory() throws -> String {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowledger-bench-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url.path
}

/// The total size of the regular files under `path` (apparent size, bytes).
func directorySize(_ path: String) -> Int64 {
    guard let walker = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total: Int64 = 0
    for case let relative as String in walker {
        var info = stat()
        if lstat(path + "/" + relative, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG { total += Int64(info.st_size) }
    }
    return total
}

/// The number of `\n` in the file at `path`.
func countLines(_ path: String) throws -> Int {
    let data = try Data(contentsOf: URL(fileURLWithPath: path))
    return data.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
}

/// The directory of this executable (where SwiftPM puts the other products of the build).
func executableDirectory() -> String {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    return URL(fileURLWithPath: executable).deletingLastPathComponent().path
}

/// Starts `arguments[0]` (a path) with stdin from /dev/null and stdout/stderr to the given files,
/// through posix_spawn (not Foundation's Process with pipes); returns its pid.
func spawnChild(_ arguments: [String], stdoutPath: String, stderrPath: String) throws -> pid_t {
    try ChildProcess.spawn(arguments, stdoutPath: stdoutPath, stderrPath: stderrPath)
}

/// An exit code from a raw waitpid status: the code, or 128 + the signal that ended the process.
func exitCode(_ raw: Int32) -> Int32 { (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f) }

/// Runs `arguments[0]` (a path) to the end (see ``spawnChild(_:stdoutPath:stderrPath:)``);
/// returns its exit code.
func runChild(_ arguments: [String], stdoutPath: String, stderrPath: String) throws -> Int32 {
    let pid = try spawnChild(arguments, stdoutPath: stdoutPath, stderrPath: stderrPath)
    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
    return exitCode(raw)
}

/// Like ``runChild(_:stdoutPath:stderrPath:)``, and also returns the child's peak RSS in bytes,
/// read from its /proc/PID/status (VmHWM) every 10 ms until it exits. Not getrusage: posix_spawn
/// runs the child in this process's memory until exec, and Linux carries that high-water mark
/// into the child's ru_maxrss, so a large benchmark process would inflate every child's figure.
func runChildMeasuringPeakRSS(_ arguments: [String], stdoutPath: String, stderrPath: String) throws -> (status: Int32, peakRSS: Int64) {
    let pid = try spawnChild(arguments, stdoutPath: stdoutPath, stderrPath: stderrPath)
    var peak: Int64 = 0
    var raw: Int32 = 0
    while true {
        if let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
           let row = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
           let kib = row.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int64($0) }) {
            peak = max(peak, kib * 1024)
        }
        let done = waitpid(pid, &raw, WNOHANG)
        if done == pid { break }
        if done == -1 && errno != EINTR { throw BenchError("waitpid: \(String(cString: strerror(errno)))") }
        usleep(10_000)
    }
    return (exitCode(raw), peak)
}

/// Peak resident set size of this process (VmHWM in /proc/self/status), as printed there.
func peakRSS() -> String {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let row = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return "unknown" }
    let fields = row.split(separator: " ", omittingEmptySubsequences: true)
    guard fields.count >= 2, let kib = Int64(fields[1]) else { return String(row) }
    return mebibytes(kib * 1024)
}

/// Latencies (ms) of `count` appends of 4 KiB at the end of a new file in `directory`, each
/// followed by fdatasync: what one durable write costs on this disk, for reading the store's
/// latency against.
func rawSyncLatencies(directory: String, count: Int) throws -> [Double] {
    let path = directory + "/fdatasync-probe"
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    guard fd >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
    defer {
        close(fd)
        unlink(path)
    }
    let block = [UInt8](repeating: 0x61, count: 4096)
    var out: [Double] = []
    for index in 0..<count {
        let start = nanos()
        let written = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, off_t(index * 4096)) }
        guard written == 4096, fdatasync(fd) == 0 else { throw BenchError("\(path): write or fdatasync failed: \(String(cString: strerror(errno)))") }
        out.append(Double(nanos() - start) / 1e6)
    }
    return out
}

/// `text` right-aligned in `width` columns (to line up with the `%9.x` numbers).
func padded(_ text: String, _ width: Int = 9) -> String {
    text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
}

/// CPU seconds (user + system) used so far by this process, or by its waited-for children.
func cpuSeconds(children: Bool = false) -> Double {
    var usage = rusage()
    getrusage((children ? RUSAGE_CHILDREN : RUSAGE_SELF).rawValue, &usage)
    func value(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
    return value(usage.ru_utime) + value(usage.ru_stime)
}

/// The size of the file at `path` in bytes (0 if it cannot be read).
func fileSize(_ path: String) -> Int64 {
    var info = stat()
    return stat(path, &info) == 0 ? Int64(info.st_size) : 0
}

/// The load averages from /proc/loadavg (1, 5 and 15 minutes), to judge how quiet the machine was.
func loadAverage() -> String {
    guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "unknown" }
    return text.split(separator: " ").prefix(3).joined(separator: " ")
}
