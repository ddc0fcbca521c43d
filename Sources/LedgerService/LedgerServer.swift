import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdHTTP2
import HummingbirdTLS
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerWire
import Logging
import NIOCore
import NIOSSL
import ServiceLifecycle

/// `flowledger serve DIR` (DESIGN §11): the ledger's one sequencer over HTTP.
///
/// Runs until SIGTERM or SIGINT; then it stops accepting, refuses new appends with 503, ends
/// event streams, answers the appends already in flight, publishes a last checkpoint if the log
/// grew, releases the ledger and returns.
package struct LedgerServer {
    /// How it runs.
    package let options: ServeOptions
    /// Where its request log and notices go.
    package let logger: Logger

    /// A server for `options`, logging to `logger`.
    package init(options: ServeOptions, logger: Logger) {
        self.options = options
        self.logger = logger
    }

    /// Serves until told to stop. `announce` receives the URL once the server listens (the
    /// CLI prints it as its first line on stdout).
    package func run(announce: @escaping @Sendable (String) -> Void) async throws {
        guard options.tls != nil || options.insecureHTTP || ServeOptions.isLoopback(options.host) else {
            throw ServeError("plain HTTP is served only on a loopback address; give --tls-cert and --tls-key to serve \(options.host), or --insecure-http behind a TLS-terminating proxy")
        }
        let metrics = ServiceMetrics()
        let served = try ServedLedger(options: options, metrics: metrics)
        if let key = options.operatorKey, key.publicKey != served.manifest.operatorKey {
            served.close()
            throw ServeError("--operator-key has key id \(key.publicKey.keyID), but \(served.log.name)'s operator key has key id \(served.manifest.operatorKey.keyID); checkpoints are signed by the ledger's operator")
        }
        if let store = served.store {
            for warning in (try? store.replicationWarnings()) ?? [] { logger.warning("\(warning)") }
            if served.isFrontEnd {
                logger.notice("front end of \(store.name): another serve is its writer (\((try? served.writerURL()).flatMap { $0 } ?? "its URL not yet advertised")); appends are handed to it")
            } else {
                logger.notice("writer of \(store.name), epoch \(store.writerEpoch)")
            }
        }
        if options.publicURL == nil && !ServeOptions.isLoopback(options.host) {
            // The @target-uri a client signs names a server only through the Host it sent:
            // without a public URL, a request signed for another server that has the same
            // party's key registered would be accepted here.
            logger.warning("no --public-url: request signatures are checked against the Host header each client sends, so a request signed for another server (where the same party's key is registered) is accepted here too; give --public-url https://<this server's name>/ to bind every signature to this server")
        }
        let scheme = options.tls == nil ? "http" : "https"
        let authenticator = RequestAuthenticator(served: served, replays: SignatureReplayGuard(), scheme: scheme)
        let report = ReportEndpoint(served: served)
        let router = makeRouter(served: served, authenticator: authenticator, metrics: metrics, report: report)

        let marker = served.writer?.layout.map { ServedMarker(layout: $0) }
        let app = Application(
            router: router,
            server: try serverBuilder(metrics: metrics),
            configuration: .init(address: .hostname(options.host, port: options.port), serverName: nil),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? options.port
                let host = options.host.contains(":") ? "[\(options.host)]" : options.host
                let url = "\(scheme)://\(host):\(port)/"
                marker?.write(url: url)
                served.listening(at: url)
                announce(url)
            },
            logger: logger)

        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
        ]
        if let metricsListen = options.metricsListen {
            let metricsRouter = Router()
            metricsRouter.get("metrics") { _, _ in WireAnswer.ok(metrics.exposition(), contentType: "text/plain; version=0.0.4") }
            let logger = self.logger
            if !ServeOptions.isLoopback(metricsListen.host) {
                logger.warning("metrics on \(metricsListen.host): plain HTTP with no signature, readable by anyone who reaches that address; keep it on loopback or a network only your monitoring reaches")
            }
            let metricsApp = Application(router: metricsRouter,
                                         // A scraper or two: a flood here cannot take the descriptors the ledger needs.
                                         server: .http1(idleTimeoutSeconds: options.idleTimeoutSeconds, cap: ConnectionCap(total: 64, perAddress: 16)),
                                         configuration: .init(address: .hostname(metricsListen.host, port: metricsListen.port), serverName: nil),
                                         onServerRunning: { channel in
                                             logger.notice("metrics at http://\(metricsListen.host):\(channel.localAddress?.port ?? metricsListen.port)/metrics")
                                         },
                                         logger: logger)
            services.append(.init(service: metricsApp, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        // Before the publisher: the group stops services in reverse order.
        if served.store != nil {
            services.append(.init(service: WriterSupervisor(served: served, logger: logger), successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        let publisher = options.operatorKey.map {
            CheckpointPublisher(served: served, key: $0, logger: logger, witnesses: options.witnesses.map { WitnessClient(url: $0.url, key: $0.key) },
                                quorum: options.witnessQuorum)
        }
        if let publisher {
            services.append(.init(service: publisher, successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))
        }
        services.append(.init(service: ShutdownWatcher(served: served), successTerminationBehavior: .ignore, failureTerminationBehavior: .gracefullyShutdownGroup))

        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        defer {
            marker?.remove()
            served.close()
            report.removeExport()
        }
        do {
            try await group.run()
        } catch {
            served.stop()
            await publisher?.publish()
            throw error
        }
        served.stop()
        await publisher?.publish()
        logger.info("stopped", metadata: ["size": "\(served.durableSize)"])
    }

    /// HTTP/1.1 on loopback (or behind a proxy); HTTP/1.1 and HTTP/2 over TLS otherwise. The
    /// idle timeout closes a connection whose client stopped sending its request.
    private func serverBuilder(metrics: ServiceMetrics) throws -> HTTPServerBuilder {
        // Every connection is reset once its client took nothing of its answers for the idle
        // timeout (WriteProgressDeadlineChannel).
        let cap = ConnectionCap.forThisProcess(total: options.maxConnections, perAddress: options.maxConnectionsPerAddress,
                                               loopback: ServeOptions.isLoopback(options.host), metrics: metrics, logger: logger)
        guard let tls = options.tls else { return .http1(idleTimeoutSeconds: options.idleTimeoutSeconds, cap: cap) }
        let idle = Duration.seconds(options.idleTimeoutSeconds)
        let http1 = HTTP1Channel.Configuration(idleTimeout: .seconds(options.idleTimeoutSeconds))
        let deadline = TimeAmount.seconds(options.idleTimeoutSeconds)
        let certificates: [NIOSSLCertificate]
        let key: NIOSSLPrivateKey
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(tls.certificate)
            key = try NIOSSLPrivateKey(file: tls.key, format: .pem)
        } catch {
            throw ServeError("cannot load the TLS certificate \(tls.certificate) or key \(tls.key): \(error); give PEM files (openssl writes them)")
        }
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: certificates.map { .certificate($0) }, privateKey: .privateKey(key))
        // The idle timeout also bounds the TLS handshake, and how long an HTTP/2 connection told
        // to go away (at SIGTERM, or idle) may stay (ConnectionDeadlineChannel).
        let http2 = HTTP2UpgradeChannel.Configuration(idleTimeout: idle, gracefulCloseTimeout: idle, streamConfiguration: http1)
        return HTTPServerBuilder { responder in
            ConnectionCapChannel(
                inner: WriteProgressDeadlineChannel(
                    inner: ConnectionDeadlineChannel(inner: try HTTP2UpgradeChannel(tlsConfiguration: configuration, configuration: http2, responder: responder), deadline: deadline),
                    limit: deadline),
                cap: cap)
        }
    }

    private func makeRouter(served: ServedLedger, authenticator: RequestAuthenticator, metrics: ServiceMetrics,
                            report: ReportEndpoint) -> Router<LedgerRequestContext> {
        let router = Router(context: LedgerRequestContext.self)
        router.add(middleware: RequestLogMiddleware(logger: logger, metrics: metrics))
        let appends = AppendEndpoint(served: served, authenticator: authenticator, rates: SubmitterRateLimiter(ratePerSecond: options.ratePerSecond))
        let reads = ReadEndpoints(served: served, authenticator: authenticator)
        let events = EventStreamEndpoint(served: served)

        router.post("v1/entries") { request, context in
            var context = context
            return await appends.handle(request, context: &context)
        }
        router.get("v1/entries") { request, context in
            var context = context
            return await reads.guarded(request, &context) { () throws(Refusal) in try reads.entries(request) }
        }
        router.get("v1/proof") { request, context in
            var context = context
            return await reads.guarded(request, &context) { () throws(Refusal) in try reads.proof(request) }
        }
        router.get("v1/consistency") { request, context in
            var context = context
            return await reads.guarded(request, &context) { () throws(Refusal) in try reads.consistency(request) }
        }
        router.get("v1/checkpoints/:size") { request, context in
            var context = context
            let size = context.parameters.get("size") ?? ""
            return await reads.guarded(request, &context) { () throws(Refusal) in try reads.checkpoint(size: size) }
        }
        router.get("checkpoint") { request, context in
            var context = context
            return await reads.guarded(request, &context) { () throws(Refusal) in try reads.latestCheckpoint() }
        }
        let tiles = TileEndpoint(served: served)
        router.get("tile/**") { request, context in
            var context = context
            // The path as sent: the router's catch-all drops empty segments (`tile//0/000`).
            let path = request.uri.path
            return await reads.guarded(request, &context) { () throws(Refusal) in try tiles.handle(requestPath: path) }
        }
        router.get("v1/ledger") { request, context in
            var context = context
            return await reads.guarded(request, &context) { () throws(Refusal) in reads.ledger() }
        }
        router.get("v1/report") { request, context in
            var context = context
            return await reads.guarded(request, &context) { () async throws(Refusal) in try await report.handle(request) }
        }
        router.get("v1/events") { request, context in
            var context = context
            let channel = context.channel
            return await reads.authorized(request, &context) { signature throws(Refusal) in try events.handle(request, channel: channel, signature: signature) }
        }
        router.get("healthz") { _, _ in
            if served.isStopping { return WireAnswer.error(WireError(status: 503, code: "unavailable", message: "stopping"), retryAfter: 5) }
            guard let store = served.store else { return WireAnswer.ok(Array("ok\n".utf8), contentType: "text/plain") }
            if let reason = served.stepDownReason {
                return WireAnswer.error(WireError(status: 503, code: "unavailable", message: "role: stepped-down writer, electing a new one (\(reason.message))"), retryAfter: 1)
            }
            if served.isFrontEnd {
                let writer = (try? served.writerURL()).flatMap { $0 } ?? "none advertised"
                return WireAnswer.ok(Array("ok\nrole: front end\nwriter: \(writer)\nstore: \(store.name)\nsize: \(served.durableSize)\n".utf8), contentType: "text/plain")
            }
            return WireAnswer.ok(Array("ok\nrole: writer\nepoch: \(store.writerEpoch)\nstore: \(store.name)\nsize: \(served.durableSize)\n".utf8), contentType: "text/plain")
        }
        return router
    }
}

/// A reason `serve` cannot start, said so a user can act on it.
package struct ServeError: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    package let description: String
    init(_ message: String) { description = message }
}
