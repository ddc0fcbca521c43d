import Foundation
import Synchronization

/// A real PostgreSQL cluster for a test: `initdb` into a temporary directory and `pg_ctl start`
/// on 127.0.0.1 at a free port, as an unprivileged user (the `postgres` account when the tests
/// run as root, since PostgreSQL refuses to run as root). Debian's `postgresql` package provides
/// the binaries; `scripts/install-deps.sh` installs it when missing.
///
/// Logins are trusted on loopback (a test cluster); the superuser is `flowadmin`.
public final class PostgresCluster: @unchecked Sendable {  // fields are set once
    /// The superuser every cluster is created with.
    public static let superuser = "flowadmin"
    /// The directory holding the data directory, the socket and the server's log.
    public let directory: String
    /// The data directory.
    public var dataDirectory: String { directory + "/data" }
    /// The TCP port on 127.0.0.1.
    public let port: Int

    private static let running = Mutex<[String: Int]>([:])

    private init(directory: String, port: Int) {
        self.directory = directory
        self.port = port
    }

    /// A new primary cluster with `settings` in its configuration, started.
    public static func start(_ name: String, settings: [String: String] = [:]) throws -> PostgresCluster {
        let directory = try makeDirectory(name)
        try run(tool("initdb"), ["-D", directory + "/data", "-A", "trust", "-U", superuser, "--no-sync", "-E", "UTF8", "--locale=C"])
        let cluster = PostgresCluster(directory: directory, port: freeLocalPort())
        try cluster.configure(settings.merging(["fsync": "on"]) { mine, _ in mine })
        try cluster.startServer()
        return cluster
    }

    /// A streaming standby of `primary` (`pg_basebackup -R`), started, on `port` (default: a free one).
    public static func standby(of primary: PostgresCluster, _ name: String, port: Int? = nil) throws -> PostgresCluster {
        let directory = try makeDirectory(name)
        try run(tool("pg_basebackup"), ["-h", "127.0.0.1", "-p", "\(primary.port)", "-U", superuser, "-D", directory + "/data", "-R", "-X", "stream", "-c", "fast",
                                        "-d", "application_name=\(name)"])
        let cluster = PostgresCluster(directory: directory, port: port ?? freeLocalPort())
        try cluster.configure(["port": "\(cluster.port)"])
        try cluster.startServer()
        return cluster
    }

    private static let sharedCluster = Mutex<PostgresCluster?>(nil)
    private static let databases = Atomic<Int>(0)

    /// One cluster shared by the tests of this process that need only a database of their own
    /// (started at the first call, stopped and removed when the process exits).
    public static func shared() throws -> PostgresCluster {
        try sharedCluster.withLock { cluster throws -> PostgresCluster in
            if let cluster { return cluster }
            let started = try start("shared")
            cluster = started
            return started
        }
    }

    /// A new, empty database in this cluster; returns its name.
    public func freshDatabase(_ prefix: String = "ledger") throws -> String {
        let name = "\(prefix)_\(Self.databases.add(1, ordering: .relaxed).newValue)"
        try createDatabase(name)
        return name
    }

    /// `postgres://USER@127.0.0.1:PORT/DATABASE`.
    public func url(database: String, user: String = PostgresCluster.superuser) -> String {
        "postgres://\(user)@127.0.0.1:\(port)/\(database)"
    }

    /// Runs `sql` with psql and returns what it printed (unaligned, tuples only).
    @discardableResult
    public func psql(_ sql: String, database: String = "postgres", user: String = PostgresCluster.superuser) throws -> String {
        try Self.run(Self.tool("psql"), ["-h", "127.0.0.1", "-p", "\(port)", "-U", user, "-d", database, "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                     asServerUser: false)
    }

    /// A new database `name` owned by the superuser.
    public func createDatabase(_ name: String) throws { try psql("CREATE DATABASE \(name)") }

    /// Stops the server: `fast` (clean) or `immediate` (as a power cut: no shutdown checkpoint).
    public func stop(mode: String = "fast") {
        _ = try? Self.run(Self.tool("pg_ctl"), ["-D", dataDirectory, "-m", mode, "-w", "stop"])
        _ = Self.running.withLock { $0.removeValue(forKey: dataDirectory) }
    }

    /// SIGKILL to the postmaster: the machine is gone.
    public func kill() {
        if let pid = postmasterPID() { Glibc.kill(pid, SIGKILL) }
        _ = Self.running.withLock { $0.removeValue(forKey: dataDirectory) }
        stop(mode: "immediate")  // the backends left behind
    }

    /// Promotes a standby to primary and waits until it accepts writes.
    public func promote() throws {
        try Self.run(Self.tool("pg_ctl"), ["-D", dataDirectory, "-w", "promote"])
    }

    /// Starts the server again (after ``stop(mode:)``).
    public func restart() throws { try startServer() }

    /// Sets `settings` in `postgresql.auto.conf` and reloads the server if it runs.
    public func set(_ settings: [String: String]) throws {
        for (key, value) in settings { try psql("ALTER SYSTEM SET \(key) = '\(value)'") }
        try psql("SELECT pg_reload_conf()")
    }

    /// Stops the server and removes its directory.
    public func remove() {
        stop(mode: "immediate")
        try? FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - Processes

    private func configure(_ settings: [String: String]) throws {
        var all = ["listen_addresses": "'127.0.0.1'", "port": "\(port)", "unix_socket_directories": "'\(directory)'",
                   "max_connections": "200", "shared_buffers": "64MB", "wal_level": "replica"]
        for (key, value) in settings { all[key] = value.first == "'" || Int(value) != nil || ["on", "off"].contains(value) ? value : "'\(value)'" }
        let lines = all.sorted { $0.key < $1.key }.map { "\($0.key) = \($0.value)" }.joined(separator: "\n")
        let path = dataDirectory + "/postgresql.conf"
        let existing = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        try (existing + "\n# flowledger tests\n" + lines + "\n").write(toFile: path, atomically: false, encoding: .utf8)
    }

    private func startServer() throws {
        try Self.run(Self.tool("pg_ctl"), ["-D", dataDirectory, "-l", directory + "/server.log", "-w", "-t", "60", "start"])
        Self.running.withLock { $0[dataDirectory] = port }
        Self.stopAllAtExit()
    }

    private func postmasterPID() -> pid_t? {
        guard let text = try? String(contentsOfFile: dataDirectory + "/postmaster.pid", encoding: .utf8),
              let first = text.split(separator: "\n").first else { return nil }
        return pid_t(first)
    }

    /// Every cluster still running is stopped when the test process exits.
    private static func stopAllAtExit() {
        _ = registerExit
    }
    private static let registerExit: Void = {
        atexit {
            for directory in PostgresCluster.running.withLock({ Array($0.keys) }) {
                _ = try? PostgresCluster.run(PostgresCluster.tool("pg_ctl"), ["-D", directory, "-m", "immediate", "-w", "stop"])
                try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent)
            }
        }
    }()

    /// Whether the tests run as root (and so run the server as `postgres`).
    private static var isRoot: Bool { getuid() == 0 }

    private static func makeDirectory(_ name: String) throws -> String {
        let path = NSTemporaryDirectory() + "flowledger-pg-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        if isRoot { try run("/bin/chown", ["postgres:postgres", path], asServerUser: false) }
        return path
    }

    /// The path of a PostgreSQL program: Debian's newest `/usr/lib/postgresql/N/bin`, else `PATH`.
    static func tool(_ name: String) -> String {
        let base = "/usr/lib/postgresql"
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).compactMap(Int.init).sorted(by: >)
        for version in versions where FileManager.default.isExecutableFile(atPath: "\(base)/\(version)/bin/\(name)") {
            return "\(base)/\(version)/bin/\(name)"
        }
        return name  // found on PATH by /usr/bin/env, below
    }

    /// Runs `program` with `arguments` (as the server's user when `asServerUser` and root), and
    /// returns its stdout; a failure throws with its stderr.
    @discardableResult
    static func run(_ program: String, _ arguments: [String], asServerUser: Bool = true) throws -> String {
        var arguments = arguments
        var program = program
        if !program.hasPrefix("/") {
            arguments.insert(program, at: 0)
            program = "/usr/bin/env"
        }
        if asServerUser && isRoot {
            arguments = ["-u", "postgres", "--", program] + arguments
            program = "/usr/sbin/runuser"
        }
        // Output goes to files, not pipes (`pg_ctl start` leaves a server running that could
        // hold a pipe open), through posix_spawn (Foundation's Process is unreliable here).
        let child = try ChildProcess([program] + arguments, directory: NSTemporaryDirectory())
        defer { for path in [child.stdoutPath, child.stderrPath] { try? FileManager.default.removeItem(atPath: path) } }
        let status = child.wait()
        let output = (try? child.stdout()) ?? Data()
        guard status == 0 else {
            throw PostgresClusterError("\(program) \(arguments.joined(separator: " ")) exited \(status): \((try? child.stderr()) ?? "")")
        }
        return String(decoding: output, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

/// A cluster command failed.
public struct PostgresClusterError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
