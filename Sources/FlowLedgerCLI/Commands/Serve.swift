import ArgumentParser
import Foundation
import LedgerService
import Logging

/// `flowledger serve (DIR | --store URL) [--listen ADDR] [--tls-cert C --tls-key K] [--operator-key KEY.pem] [--public-read] …`
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a ledger over HTTP: appends, reads, live events and checkpoints (DESIGN §11).",
        discussion: """
            The first line on stdout is the URL the server listens on (useful with --listen 127.0.0.1:0). \
            One line per request goes to stderr (method, path, status, time, signing party; never keys or bodies). \
            Plain HTTP is served only on a loopback address unless --insecure-http (behind a TLS-terminating proxy). \
            SIGTERM or SIGINT: stop accepting, answer the appends in flight, publish a last checkpoint, exit 0.
            """)

    @Argument(help: "The ledger directory (or give --store).")
    var directory: String?
    @Option(help: ArgumentHelp("Serve the ledger in PostgreSQL instead (DESIGN §12): postgres://USER@HOST[:PORT][,HOST[:PORT]…]/DATABASE; with several hosts the writer follows the primary through a failover.", valueName: "url"))
    var store: String?
    @Option(help: "Where to listen, HOST:PORT (port 0 picks a free port).")
    var listen = "127.0.0.1:8740"
    @Option(help: "PEM certificate chain for TLS.")
    var tlsCert: String?
    @Option(help: "PEM private key for TLS.")
    var tlsKey: String?
    @Flag(help: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).")
    var insecureHttp = false
    @Option(help: "The operator key: publish a checkpoint when the log has grown.")
    var operatorKey: String?
    @Option(help: "At most one checkpoint per this interval (e.g. 1s, 500ms, 1m).")
    var checkpointInterval = "1s"
    @Option(help: "How long an append with ?wait=checkpoint waits for a checkpoint covering it before it gets 503 (its entries are durable).")
    var checkpointWait = "60s"
    @Flag(help: "Serve reads to anyone, without a request signature (an open-data ledger).")
    var publicRead = false
    @Option(help: "Events per second each submitter may append (N or N/s).")
    var rate = "10000/s"
    @Option(help: "Serve Prometheus metrics at GET /metrics on HOST:PORT.")
    var metricsListen: String?
    @Option(help: "Close a connection idle (or stalled mid-request) for this long (e.g. 30s).")
    var idleTimeout = "30s"
    @Option(help: "Hold at most N connections at once; more are closed on arrival (default: the file descriptor limit, raised to its hard limit, less 256 kept for the ledger).")
    var maxConnections: Int?
    @Option(help: "Hold at most N connections at once from one IP address, or one IPv6 /64 (default: a quarter of --max-connections, at least 64; on a loopback address, all of it).")
    var maxConnectionsPerAddress: Int?
    @Option(help: "The base URL clients use when a proxy stands in front (the @target-uri they sign).")
    var publicUrl: String?
    @Option(help: ArgumentHelp("With --store: the URL the other serve front ends of the store reach this one at while it is the writer (they hand it their appends); default: the URL it listens on.", valueName: "url"))
    var advertiseUrl: String?
    @Option(name: .customLong("witness"), help: ArgumentHelp("Ask this witness to cosign each checkpoint (c2sp.org/tlog-witness) before publishing it; its cosignature key after '=' (repeatable).", valueName: "URL=VKEY"))
    var witnesses: [String] = []
    @Option(name: .customLong("witness-quorum"), help: "Publish a checkpoint only with at least K witness cosignatures (default: 0, publish with what came back).")
    var witnessQuorum: Int?

    func validate() throws {
        guard (directory == nil) != (store == nil) else { throw ValidationError("give a ledger directory or --store URL (one of them)") }
        if advertiseUrl != nil && store == nil { throw ValidationError("--advertise-url goes with --store: it tells the other front ends of a PostgreSQL store where the writer is") }
        if let advertiseUrl, !(advertiseUrl.hasPrefix("http://") || advertiseUrl.hasPrefix("https://")) {
            throw ValidationError("--advertise-url \(advertiseUrl): give an http:// or https:// URL, e.g. https://ledger-a.internal:8740/")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("give --tls-cert and --tls-key together") }
        if !witnesses.isEmpty && operatorKey == nil { throw ValidationError("--witness needs --operator-key: witnesses cosign the checkpoints the server signs") }
        for (value, option) in [(maxConnections, "--max-connections"), (maxConnectionsPerAddress, "--max-connections-per-address")] {
            if let value, value < 1 { throw ValidationError("\(option) \(value): give a positive number of connections") }
        }
        if let witnessQuorum, witnessQuorum < 0 || witnessQuorum > witnesses.count {
            throw ValidationError("--witness-quorum \(witnessQuorum): give 0 to \(witnesses.count), the number of --witness options")
        }
    }

    func run() async throws {
        var options = ServeOptions(directory: store ?? directory ?? "")
        (options.host, options.port) = try Self.address(listen, option: "--listen")
        if let tlsCert, let tlsKey { options.tls = (tlsCert, tlsKey) }
        options.insecureHTTP = insecureHttp
        options.operatorKey = try operatorKey.map { try KeyFile.read($0) }
        options.checkpointIntervalMilliseconds = try RelativeTime.positiveDuration(checkpointInterval, option: "--checkpoint-interval") / 1000
        options.checkpointWaitMilliseconds = try RelativeTime.positiveDuration(checkpointWait, option: "--checkpoint-wait") / 1000
        options.publicRead = publicRead
        guard let perSecond = Double(rate.hasSuffix("/s") ? String(rate.dropLast(2)) : rate), perSecond >= 0.001, perSecond <= 1e9 else {
            throw ValidationError("--rate \(rate): give events per second from 0.001 to 1000000000, e.g. 500/s")
        }
        options.ratePerSecond = perSecond
        options.metricsListen = try metricsListen.map { try Self.address($0, option: "--metrics-listen") }
        options.publicURL = publicUrl
        options.advertisedURL = advertiseUrl
        options.witnesses = try witnesses.map { argument in
            guard let equals = argument.firstIndex(of: "="), argument.hasPrefix("http://") || argument.hasPrefix("https://") else {
                throw ValidationError("--witness \(argument): give URL=VKEY, e.g. http://127.0.0.1:8741/=witness.example+1a2b3c4d+BA…")
            }
            return (String(argument[..<equals]), try VerifierKeyArgument.parse(String(argument[argument.index(after: equals)...]), option: "--witness"))
        }
        options.witnessQuorum = witnessQuorum ?? 0
        options.maxConnections = maxConnections
        options.maxConnectionsPerAddress = maxConnectionsPerAddress
        options.idleTimeoutSeconds = max(1, try RelativeTime.positiveDuration(idleTimeout, option: "--idle-timeout") / 1_000_000)

        var logger = Logger(label: "flowledger.serve") { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = .info
        do {
            try await LedgerServer(options: options, logger: logger).run { url in Output.line(url) }
        } catch let error as ServeError {
            throw CommandFailure(error.description)
        }
    }

    /// `HOST:PORT` or `[V6]:PORT`.
    static func address(_ text: String, option: String) throws -> (host: String, port: Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else {
            throw ValidationError("\(option) \(text): give HOST:PORT, e.g. 127.0.0.1:8740 (port 0 picks a free one)")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }
}
