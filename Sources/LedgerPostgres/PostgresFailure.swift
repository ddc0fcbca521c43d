import LedgerStore
import PostgresNIO

/// Why a query to a PostgreSQL store failed, in the two kinds the writer must tell apart.
package enum PostgresFailure: Error, Sendable {
    /// The server answered with an error: the statement (and its implicit transaction) rolled
    /// back, so nothing of it was written. `state` is the SQLSTATE.
    case server(state: String, message: String)
    /// The connection broke or could not be made, or the server ended the session
    /// (``leavesOutcomeUnknown(_:)``): a statement in flight may or may not have committed.
    case connectionLost(String)
    /// The answer had an unexpected shape.
    case unexpected(String)

    /// SQLSTATE of the fence check in `flowledger_commit` (DESIGN §12): this writer was deposed.
    package static let deposedState = "FL001"
    /// SQLSTATE 42501: the role lacks a privilege.
    package static let privilegeState = "42501"

    /// Whether an error with SQLSTATE `state` may have come after the statement committed: the
    /// server ending the session (class 57, e.g. 57P01 "terminating connection due to unexpected
    /// postmaster exit", sent while a COMMIT waits for the synchronous standby), a connection
    /// exception (08), `statement_completion_unknown` (40003), or a system or internal error
    /// (58, XX). Such an error is no proof of a rollback.
    package static func leavesOutcomeUnknown(_ state: String) -> Bool {
        state == "40003" || ["08", "57", "58", "XX"].contains(where: state.hasPrefix)
    }

    /// Classifies a postgres-nio error; `doing` says what was being done.
    package init(_ error: any Error, doing: String) {
        if let psql = error as? PSQLError, let info = psql.serverInfo {
            let state = info[.sqlState] ?? "?????"
            var message = "\(doing): PostgreSQL said: \(info[.message] ?? "an error") (SQLSTATE \(state))"
            if let detail = info[.detail] { message += "; \(detail)" }
            if let hint = info[.hint] { message += "; hint: \(hint)" }
            self = Self.leavesOutcomeUnknown(state) ? .connectionLost(message) : .server(state: state, message: message)
        } else if let psql = error as? PSQLError {
            self = .connectionLost("\(doing): the connection to the database failed (\(psql.code))")
        } else {
            self = .connectionLost("\(doing): \(error)")
        }
    }

    /// The message, for a person.
    package var message: String {
        switch self {
        case .server(_, let message), .connectionLost(let message), .unexpected(let message): return message
        }
    }

    /// As a store error, with `code` for server errors and `.io` otherwise.
    package func storeError(_ code: StoreError.Code = .io) -> StoreError {
        switch self {
        case .server(let state, _) where state == Self.deposedState: return StoreError(.locked, message)
        case .server: return StoreError(code, message)
        case .connectionLost, .unexpected: return StoreError(.io, message)
        }
    }
}
