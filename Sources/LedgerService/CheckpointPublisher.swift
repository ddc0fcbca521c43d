import Logging
import LedgerCore
import LedgerCrypto
import LedgerStore
import ServiceLifecycle

/// `serve --operator-key` (DESIGN §11.5): publishes a checkpoint when the log has grown, at
/// most once per `--checkpoint-interval`, and wakes the appends waiting for one. With witnesses
/// (`--witness URL=VKEY`), each checkpoint is first sent to every witness (c2sp.org/tlog-witness,
/// ``WitnessClient``) and published with the cosignatures that came back and verified — only
/// when there are at least `quorum` of them; otherwise it is tried again at the next interval,
/// while appends go on.
struct CheckpointPublisher: Service {
    let served: ServedLedger
    let key: PrivateKey
    let logger: Logger
    /// The witnesses asked to cosign each checkpoint.
    var witnesses: [WitnessClient] = []
    /// Cosignatures a checkpoint needs before it is published.
    var quorum = 0

    func run() async throws {
        let interval = Duration.milliseconds(served.options.checkpointIntervalMilliseconds)
        var last = ContinuousClock.now - interval
        while !served.isStopping {
            let seen = served.changes.generation
            if served.durableSize > (served.latestCheckpoint?.size ?? -1) {
                let due = last + interval
                if due > .now { try? await Task.sleep(until: due) }
                await publish()
                last = .now
            } else {
                await served.changes.change(after: seen)
            }
        }
        // Ends when the group asks, in its order: a service that ended on its own while the group
        // was stopping the one after it made the group fail, and `serve` exit 2 at SIGTERM.
        try? await gracefulShutdown()
    }

    /// Signs and publishes a checkpoint of the durable size if it grew (cosigned first when there
    /// are witnesses); failures are logged and retried at the next interval (appends go on: a
    /// checkpoint is evidence, not a gate).
    func publish() async {
        // A front end publishes nothing: the store's writer does, and the front end serves it.
        guard served.writer != nil else { return }
        guard witnesses.isEmpty else { return await publishWitnessed() }
        guard served.durableSize > (served.latestCheckpoint?.size ?? -1) else { return }
        do {
            guard let writer = served.writer else { return }
            let (checkpoint, note) = try writer.checkpoint(operatorKey: key)
            served.published(size: checkpoint.size, note: note)
            served.metrics.checkpoints.increment()
            logger.info("checkpoint published", metadata: ["size": "\(checkpoint.size)", "root": "\(checkpoint.root.base64)"])
        } catch {
            logger.error("checkpoint not published: \(error)")
        }
    }

    /// Signs a checkpoint of the durable size, asks every witness to cosign it at once, and
    /// publishes it with the cosignatures that verify if there are at least ``quorum``.
    func publishWitnessed() async {
        let size = served.durableSize
        guard size > (served.latestCheckpoint?.size ?? -1) else { return }
        let note: Note
        let checkpoint: Checkpoint
        do {
            checkpoint = Checkpoint(origin: served.manifest.origin, size: size, root: try served.log.rootHash(size: size))
            note = try NoteSigner(name: served.manifest.origin, key: key).sign(checkpoint.text)
        } catch {
            logger.error("checkpoint of size \(size) not signed: \(error)")
            return
        }
        let text = note.serialized
        let log = served.log
        let answers = await withTaskGroup(of: (WitnessClient, Result<[Note.Signature], WitnessClientError>).self) { group in
            for witness in witnesses {
                group.addTask {
                    do throws(WitnessClientError) {
                        return (witness, .success(try await witness.cosign(note: text, size: size, log: log)))
                    } catch {
                        return (witness, .failure(error))
                    }
                }
            }
            var all: [(WitnessClient, Result<[Note.Signature], WitnessClientError>)] = []
            for await answer in group { all.append(answer) }
            return all
        }
        var cosignatures: [Note.Signature] = []
        for witness in witnesses {
            switch answers.first(where: { $0.0 === witness })!.1 {
            case .success(let lines):
                cosignatures += lines
            case .failure(let error):
                served.metrics.witnessFailed(url: witness.url)
                logger.warning("witness did not cosign checkpoint \(size): \(error); appends go on")
            }
        }
        let cosigned = witnesses.count - answers.count(where: { if case .failure = $0.1 { true } else { false } })
        guard cosigned >= quorum else {
            served.metrics.checkpointsWithheld.increment()
            logger.warning("checkpoint of size \(size) NOT published: \(cosigned) of \(witnesses.count) witnesses cosigned, --witness-quorum is \(quorum); trying again at the next interval, appends go on")
            return
        }
        let published = note.adding(cosignatures).serialized
        do {
            guard let writer = served.writer else { return }
            try writer.publish(checkpoint: published, size: size)
            served.published(size: size, note: published)
            served.metrics.checkpoints.increment()
            logger.info("checkpoint published", metadata: ["size": "\(size)", "root": "\(checkpoint.root.base64)", "cosignatures": "\(cosigned)"])
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
