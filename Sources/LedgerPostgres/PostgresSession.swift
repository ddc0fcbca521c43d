import Logging
import LedgerStore
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// One connection to one server of a PostgreSQL store, used synchronously: the store protocols
/// are synchronous (the sequencer commits on its own thread), so each query waits for its answer
/// on the calling thread while postgres-nio runs on its event loop.
///
/// No query ever carries a timeout and none is ever cancelled: under synchronous replication a
/// COMMIT whose wait is cancelled stays visible on the primary and may be lost after a failover
/// (DESIGN §12). A connection that breaks mid-query reports ``PostgresFailure/connectionLost``,
/// and the writer treats the outcome as unknown.
package final class PostgresSession: @unchecked Sendable {  // postgres-nio's connection is thread-safe; `closed` is set once
    /// The server this session talks to.
    package let host: PostgresAddress.Host
    private let connection: PostgresConnection
    private let logger = Logger(label: "flowledger.postgres")

    /// Connects to `host` of `address`.
    /// - Throws: ``PostgresFailure/connectionLost`` when it cannot.
    package static func connect(_ address: PostgresAddress, host: PostgresAddress.Host) throws(PostgresFailure) -> PostgresSession {
        do {
            let configuration = try address.configuration(for: host)
            let connection = try PostgresConnection.connect(on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                                                            id: 1, logger: Logger(label: "flowledger.postgres")).wait()
            return PostgresSession(host: host, connection: connection)
        } catch {
            throw PostgresFailure(error, doing: "connecting to \(host.name):\(host.port) as \(address.user)")
        }
    }

    /// Connects to the first host of `address` that answers and, with `writable`, is not in
    /// recovery (a primary).
    /// - Throws: ``PostgresFailure`` naming every host tried and why each was passed over.
    package static func connect(_ address: PostgresAddress, writable: Bool) throws(PostgresFailure) -> PostgresSession {
        var reasons: [String] = []
        for host in address.hosts {
            do throws(PostgresFailure) {
                let session = try connect(address, host: host)
                if writable, try session.isInRecovery() {
                    session.close()
                    reasons.append("\(host.name):\(host.port) is a standby (in recovery)")
                    continue
                }
                return session
            } catch {
                reasons.append(error.message)
            }
        }
        throw .connectionLost("no \(writable ? "primary" : "server") of \(address) could be used: \(reasons.joined(separator: "; "))")
    }

    private init(host: PostgresAddress.Host, connection: PostgresConnection) {
        self.host = host
        self.connection = connection
    }

    /// Whether the server is a standby (`pg_is_in_recovery()`).
    package func isInRecovery() throws(PostgresFailure) -> Bool {
        try query("SELECT pg_is_in_recovery()", doing: "asking whether the server is a standby").first?.decoded(Bool.self, "pg_is_in_recovery") ?? false
    }

    /// Runs `query` and returns its rows; `doing` says what for, in messages.
    ///
    /// The answer is awaited for as long as it takes (never timed out or cancelled), unless the
    /// connection closes first: postgres-nio can leave a query unanswered when the server dies
    /// in the middle of it (seen when a primary is killed during a synchronous COMMIT), so the
    /// connection's closing also settles the wait, as ``PostgresFailure/connectionLost(_:)``.
    package func query(_ query: PostgresQuery, doing: String) throws(PostgresFailure) -> [PostgresRow] {
        let outcome = connection.eventLoop.makePromise(of: [PostgresRow].self)
        let settled = SettledOnce()
        connection.query(query, logger: logger).whenComplete { result in
            if settled.settle() { outcome.completeWith(result.map(\.rows)) }
        }
        connection.closeFuture.whenComplete { _ in
            if settled.settle() { outcome.fail(PostgresFailure.connectionLost("\(doing): the connection to \(self.host.name):\(self.host.port) closed before the database answered")) }
        }
        do {
            return try outcome.futureResult.wait()
        } catch let failure as PostgresFailure {
            throw failure
        } catch {
            throw PostgresFailure(error, doing: doing)
        }
    }

    /// Whether the connection has closed (the server went away or ``close()`` was called).
    package var isClosed: Bool { connection.isClosed }

    /// Closes the connection (the server releases this session's advisory locks).
    package func close() { try? connection.close().wait() }
}

/// Lets the first of several completions through.
private final class SettledOnce: Sendable {
    private let done = Mutex(false)
    /// True the first time only.
    func settle() -> Bool { done.withLock { done in defer { done = true }; return !done } }
}

extension PostgresRow {
    /// Decodes the row's one column as `T`, or fails with ``PostgresFailure/unexpected(_:)`` naming `what`.
    func decoded<T: PostgresDecodable>(_ type: T.Type, _ what: String) throws(PostgresFailure) -> T {
        do {
            return try decode(T.self)
        } catch {
            throw .unexpected(Self.shapeMessage(what, error))
        }
    }

    /// Decodes the row's columns as `Columns`, or fails with ``PostgresFailure/unexpected(_:)`` naming `what`.
    func decoded<each Column: PostgresDecodable>(_ type: (repeat each Column).Type, _ what: String) throws(PostgresFailure) -> (repeat each Column) {
        do {
            return try decode(type, context: .default)
        } catch {
            throw .unexpected(Self.shapeMessage(what, error))
        }
    }

    private static func shapeMessage(_ what: String, _ error: any Error) -> String {
        "\(what): the database answered a row of an unexpected shape (\(error)); was the schema created by this version of `flowledger init --store`?"
    }
}

extension ByteBuffer {
    /// The readable bytes, copied out (a bytea column's value).
    var allBytes: [UInt8] { Array(readableBytesView) }
}
