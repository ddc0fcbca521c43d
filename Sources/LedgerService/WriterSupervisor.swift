import Logging
import ServiceLifecycle

/// Keeps a PostgreSQL-backed `serve` writing through a failover: when its writer steps down
/// (deposed, or a COMMIT of unknown outcome because the primary went away), it elects a new
/// writer on whichever server is now the primary, trying every ``interval`` until one is.
/// Appends meanwhile are answered 503 with `Retry-After`, and clients retry them; a retried
/// event that did commit gets its original receipt.
struct WriterSupervisor: Service {
    /// How often the writer is checked, and a failed election tried again.
    static let interval: Duration = .milliseconds(200)

    let served: ServedLedger
    let logger: Logger

    func run() async throws {
        var reported = false
        // Ends when the group tells it to, not when the ledger stops: the group expects its
        // services to finish in reverse order, each once told.
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            if !served.isStopping, let reason = served.stepDownReason {
                if !reported { logger.warning("the writer stepped down: \(reason.message); electing a new writer") }
                reported = true
                do {
                    if try served.replaceWriterIfSteppedDown() {
                        logger.notice("writer elected on \(served.store?.name ?? "?"), epoch \(served.store?.writerEpoch ?? 0), size \(served.durableSize)")
                        reported = false
                    }
                } catch {
                    logger.debug("no writer elected yet: \(error)")
                }
            }
            try? await Task.sleep(for: Self.interval)
        }
    }
}
