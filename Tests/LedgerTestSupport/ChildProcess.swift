import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process started with posix_spawn, its stdin, stdout and stderr connected to files,
/// for tests that kill it (SIGKILL) or run it alongside the test. Foundation's `Process` with
/// pipes is unreliable under Swift Testing's parallel runner.
public final class ChildProcess {
    /// The process id.
    public let pid: pid_t
    /// Where its stdout goes.
    public let stdoutPath: String
    /// Where its stderr goes.
    public let stderrPath: String
    private var status: Int32?

    /// Starts `arguments[0]` (a path or a name searched in PATH) with stdin from `stdinPath`
    /// (or /dev/null) and stdout/stderr to new files in `directory`.
    public init(_ arguments: [String], stdinPath: String? = nil, directory: String) throws {
        let tag = UUID().uuidString.prefix(8)
        stdoutPath = directory + "/stdout-\(tag)"
        stderrPath = directory + "/stderr-\(tag)"
        pid = try Self.spawn(arguments, stdinPath: stdinPath, stdoutPath: stdoutPath, stderrPath: stderrPath)
    }

    /// Starts `arguments[0]` (a path or a name searched in PATH) through posix_spawn with stdin
    /// from `stdinPath` (or /dev/null) and stdout/stderr to the files given (created or
    /// truncated, mode 0600), with no signal blocked; returns its pid. (The tests' children and
    /// the benchmarks' use this.)
    public static func spawn(_ arguments: [String], stdinPath: String? = nil, stdoutPath: String, stderrPath: String) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdinPath ?? "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        // The child starts with no signal blocked: a thread of Dispatch's pool (an async test or
        // benchmark) blocks them all, and a child inheriting that mask never sees SIGALRM or
        // SIGTERM (`openssl speed` ran for ever).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var pid: pid_t = 0
        let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
        guard spawned == 0 else { throw FixtureError("cannot start \(arguments[0]): \(String(cString: strerror(spawned)))") }
        return pid
    }

    /// Sends `signal` (SIGKILL by default).
    public func kill(_ signal: Int32 = SIGKILL) { _ = Glibc.kill(pid, signal) }

    /// Waits for the process to end; returns its exit code, or 128 + the signal that ended it.
    @discardableResult
    public func wait() -> Int32 {
        if let status { return status }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        let code = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
        status = code
        return code
    }

    /// Waits for the process to end without holding a thread: Swift Testing runs tests on a
    /// pool of as many threads as cores, and a test blocked in waitpid starves the others.
    public func exitCode() async -> Int32 {
        while status == nil {
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid {
                status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            } else {
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
        return status!
    }

    /// What it wrote to stdout so far.
    public func stdout() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: stdoutPath)) }

    /// What it wrote to stderr so far.
    public func stderr() throws -> String { String(decoding: try Data(contentsOf: URL(fileURLWithPath: stderrPath)), as: UTF8.self) }
}

/// The directory holding the built products (the test bundle's own directory), where
/// executables such as `flowledger` are built next to it.
public let productsDirectory: String = {
    let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    var url = URL(fileURLWithPath: executable).deletingLastPathComponent()
    // On Linux the test runner is `<products>/FlowLedgerPackageTests.xctest`; on some setups it is inside a bundle.
    while !FileManager.default.fileExists(atPath: url.appendingPathComponent("flowledger").path) && url.path != "/" {
        url.deleteLastPathComponent()
    }
    return url.path
}()

/// The path of the built `flowledger` command.
public var flowledgerPath: String { productsDirectory + "/flowledger" }
