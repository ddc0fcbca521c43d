import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Synchronization

/// The size of a PostgreSQL store's log each time it grows, for every live follower of one
/// store: one task and one connection, however many follow.
///
/// On a primary it LISTENs on `flowledger_log`, which `flowledger_commit` notifies with the new
/// size in the same transaction (so a notification never runs ahead of what is committed). A
/// standby has no NOTIFY, so there it polls `log_head` every ``pollInterval``. After any
/// failure it reconnects, and reads the head once connected, so no growth is missed between.
final class PostgresChangeFeed: Sendable {
    /// How often a standby's head is read.
    static let pollInterval: Duration = .milliseconds(200)

    private let address: PostgresAddress
    private let preferred: PostgresAddress.Host
    private struct State {
        var subscribers: [Int: AsyncStream<Int64>.Continuation] = [:]
        var next = 0
        var latest: Int64?
        var task: Task<Void, Never>?
        var stopped = false
    }
    private let state = Mutex(State())

    /// A feed of `address`, reading from `preferred` (the store's own server) first.
    init(address: PostgresAddress, preferring preferred: PostgresAddress.Host) {
        self.address = address
        self.preferred = preferred
    }

    /// A stream of sizes: the latest known first, then each growth.
    func subscribe() -> AsyncStream<Int64> {
        AsyncStream { continuation in
            let start = state.withLock { state -> Bool in
                if state.stopped { continuation.finish(); return false }
                let id = state.next
                state.next += 1
                state.subscribers[id] = continuation
                if let latest = state.latest { continuation.yield(latest) }
                continuation.onTermination = { [weak self] _ in _ = self?.state.withLock { $0.subscribers.removeValue(forKey: id) } }
                return state.task == nil
            }
            if start {
                let task = Task { [weak self] () async -> Void in await self?.run() }
                state.withLock { $0.task = task }
            }
        }
    }

    /// Ends every stream and the task.
    func stop() {
        let (task, subscribers) = state.withLock { state in
            state.stopped = true
            defer { state.subscribers.removeAll() }
            return (state.task, Array(state.subscribers.values))
        }
        task?.cancel()
        for subscriber in subscribers { subscriber.finish() }
    }

    private func publish(_ size: Int64) {
        state.withLock { state in
            guard size > state.latest ?? -1 else { return }
            state.latest = size
            for subscriber in state.subscribers.values { subscriber.yield(size) }
        }
    }

    private func run() async {
        let logger = Logger(label: "flowledger.postgres.feed")
        let hosts = [preferred] + address.hosts.filter { $0 != preferred }
        var attempt = 0
        while !Task.isCancelled {
            let host = hosts[attempt % hosts.count]
            attempt += 1
            guard let configuration = try? address.configuration(for: host),
                  let connection = try? await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger) else {
                try? await Task.sleep(for: .milliseconds(300))
                continue
            }
            do {
                try await follow(connection, logger)
            } catch {
                try? await Task.sleep(for: .milliseconds(300))
            }
            try? await connection.close()  // awaited: postgres-nio requires a connection closed before it is freed
        }
    }

    /// Publishes the head's size as it grows, until the connection fails or the task is cancelled.
    private func follow(_ connection: PostgresConnection, _ logger: Logger) async throws {
        let standby = try await connection.query("SELECT pg_is_in_recovery()", logger: logger).collect().first?.decode(Bool.self) ?? false
        if standby {
            while !Task.isCancelled {
                publish(try await readSize(connection, logger))
                try await Task.sleep(for: Self.pollInterval)
            }
        } else {
            try await connection.listen(on: PostgresSchema.channel) { notifications in
                publish(try await readSize(connection, logger))  // what committed before LISTEN took effect
                for try await notification in notifications {
                    if let size = Int64(notification.payload) { publish(size) }
                }
            }
        }
    }

    private func readSize(_ connection: PostgresConnection, _ logger: Logger) async throws -> Int64 {
        try await connection.query("SELECT next_seq FROM log_head WHERE id = 1", logger: logger).collect().first?.decode(Int64.self) ?? 0
    }
}
