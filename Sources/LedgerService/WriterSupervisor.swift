import Logging
import ServiceLifecycle

/// Keeps a PostgreSQL-backed `serve` in its role through a failover (``ServedLedger/superviseRole()``):
/// a writer that steps down (deposed, or a COMMIT of unknown outcome because the primary went
/// away) elects a new writer on whichever server is now the primary, or becomes a front end
/// when another `serve` won; a front end follows the log and takes over when the writer's lock
/// is free. Appends meanwhile are answered 503 with `Retry-After`, and clients retry them; a
/// retried event that did commit gets its original receipt.
struct WriterSupervisor: Service {
    /// How often the role is checked, and a failed election tried again.
    static let interval: Duration = .milliseconds(200)

    let served: ServedLedger
    let logger: Logger

    func run() async throws {
        var reported = false
        // Ends when the group tells it to, not when the ledger stops: the group expects its
        // services to finish in reverse order, each once told.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if let reason = served.stepDownReason, !reported {
                logger.warning("the writer stepped down: \(reason.message); electing a new writer")
                reported = true
            }
            // Elections and catch-ups are synchronous database calls that can wait seconds for
            // a server that went away: off the shared threads.
            let served = self.served
            switch await onOwnThread(named: "flowledger-writer-supervisor", { Result { try served.superviseRole() } }) {
            case .success(let change?):
                logger.notice("\(change)")
                reported = false
            case .success(nil):
                break
            case .failure(let error):
                logger.debug("role unchanged: \(error)")
            }
            try? await Task.sleep(for: Self.interval)
        }
    }
}
