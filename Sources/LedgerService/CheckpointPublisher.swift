import Logging
import LedgerCrypto
import LedgerStore
import ServiceLifecycle

/// `serve --operator-key` (DESIGN §11.5): publishes a checkpoint when the log has grown, at
/// most once per `--checkpoint-interval`, and wakes the appends waiting for one.
struct CheckpointPublisher: Service {
    let served: ServedLedger
    let key: PrivateKey
    let logger: Logger

    func run() async throws {
        let interval = Duration.milliseconds(served.options.checkpointIntervalMilliseconds)
        var last = ContinuousClock.now - interval
        while !served.isStopping {
            let seen = served.changes.generation
            if served.durableSize > (served.latestCheckpoint?.size ?? -1) {
                let due = last + interval
                if due > .now { try? await Task.sleep(until: due) }
                publish()
                last = .now
            } else {
                await served.changes.change(after: seen)
            }
        }
    }

    /// Signs and publishes a checkpoint of the durable size if it grew; failures are logged and
    /// retried at the next interval (appends go on: a checkpoint is evidence, not a gate).
    func publish() {
        guard served.durableSize > (served.latestCheckpoint?.size ?? -1) else { return }
        do {
            let (checkpoint, note) = try served.writer.checkpoint(operatorKey: key)
            served.published(size: checkpoint.size, note: note)
            served.metrics.checkpoints.increment()
            logger.info("checkpoint published", metadata: ["size": "\(checkpoint.size)", "root": "\(checkpoint.root.base64)"])
        } catch {
            logger.error("checkpoint not published: \(error)")
        }
    }
}

/// Turns the service group's graceful shutdown (SIGTERM, SIGINT) into the ledger's: appends
/// not yet queued are refused with 503, streams end, waiters wake. Runs last in the group, so it
/// is told first; the HTTP server then stops accepting and finishes what is in flight.
struct ShutdownWatcher: Service {
    let served: ServedLedger

    func run() async throws {
        try? await gracefulShutdown()
        served.stop()
    }
}
