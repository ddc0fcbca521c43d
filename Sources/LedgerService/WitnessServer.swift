import Hummingbird
import HummingbirdCore
import LedgerVerify
import Logging
import ServiceLifecycle

/// `flowledger witness serve` (DESIGN §11.5): a C2SP tlog-witness over HTTP, `POST
/// add-checkpoint`, with the state file and the rules of `flowledger witness cosign`
/// (``TLogWitness``). Plain HTTP on a loopback address, or with `insecureHTTP` behind a
/// TLS-terminating proxy. Runs until SIGTERM or SIGINT; every answered cosignature was made
/// durable in the state file before it was sent.
package struct WitnessServer {
    /// How it runs.
    package let options: WitnessServeOptions
    /// Where its request log and notices go.
    package let logger: Logger

    /// A witness server for `options`, logging to `logger`.
    package init(options: WitnessServeOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Serves until told to stop. `announce` receives the URL once the server listens.
    package func run(announce: @escaping @Sendable (String) -> Void) async throws {
        guard options.insecureHTTP || ServeOptions.isLoopback(options.host) else {
            throw ServeError("plain HTTP is served only on a loopback address; listen on 127.0.0.1 behind a TLS-terminating proxy, or give --insecure-http if the proxy is on another host")
        }
        guard !options.logs.isEmpty else {
            throw ServeError("give the verifier key of at least one log to witness with --log VKEY (what `flowledger vkey DIR` prints)")
        }
        let witness: TLogWitness
        do {
            witness = try TLogWitness(statePath: options.statePath, key: options.key, logs: options.logs)
        } catch {
            throw ServeError(error.message)
        }
        let router = Router(context: LedgerRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: ServiceMetrics()))
        let endpoint = AddCheckpointEndpoint(witness: witness, bodyTimeout: .seconds(options.bodyTimeoutSeconds), logger: logger)
        router.post("add-checkpoint") { request, _ in await endpoint.handle(request) }

        let options = self.options
        let app = Application(
            router: router,
            server: .http1(idleTimeoutSeconds: options.idleTimeoutSeconds,
                           cap: ConnectionCap.forThisProcess(total: nil, perAddress: nil, loopback: ServeOptions.isLoopback(options.host), logger: logger)),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let host = options.host.contains(":") ? "[\(options.host)]" : options.host
                announce("http://\(host):\(port)/")
            },
            logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        logger.info("witness \(witness.witness.verifierKey.string) for \(witness.logs.keys.sorted().joined(separator: ", "))")
        try await group.run()
    }
}
