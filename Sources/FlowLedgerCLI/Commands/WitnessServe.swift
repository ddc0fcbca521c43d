import ArgumentParser
import FlowLedger
import LedgerService
import LedgerVerify
import Logging

extension WitnessCommand {
    /// `flowledger witness serve --state F --key KEY.pem --listen ADDR --log VKEY…` (DESIGN §11.5).
    struct ServeWitness: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the witness over HTTP: C2SP tlog-witness POST add-checkpoint.",
            discussion: """
                Uses the same state file and rules as `witness cosign`, and records every checkpoint it \
                cosigns in the state (atomically, fsynced) before it answers. Answers: 200 the cosignature \
                lines; 409 the size it cosigned last for that log (text/x.tlog.size), also for a second root \
                at the size it cosigned (a split view: both signed checkpoints are kept next to the state, \
                once per pair); 422 a consistency proof that fails (the request chose the proof, so nothing \
                is kept); 403 no signature by a --log key; 404 an origin it follows no log of; 400 malformed; \
                503 16 requests are being decided already. Signatures by keys it does not know are ignored, \
                not kept. The first line on stdout is the URL \
                it listens on (useful with --listen 127.0.0.1:0). Plain HTTP only on a loopback address \
                unless --insecure-http (behind a TLS-terminating proxy). SIGTERM or SIGINT stops it.
                """)

        @Option(help: "The witness state file (from `witness init`), shared with `witness cosign`.")
        var state: String

        @Option(help: "The witness's private key (PEM, mode 0600).")
        var key: String

        @Option(help: "Where to listen, HOST:PORT (port 0 picks a free port).")
        var listen = "127.0.0.1:8741"

        @Option(help: "A log operator's verifier key (name+keyid+base64), @FILE, or a file holding it; repeat for each log.")
        var log: [String] = []

        @Flag(help: "Serve plain HTTP on a non-loopback address (only behind a TLS-terminating proxy).")
        var insecureHttp = false

        func validate() throws {
            guard !log.isEmpty else { throw ValidationError("give at least one --log VKEY: the verifier key of a log to witness (what `flowledger vkey DIR` prints)") }
        }

        func run() async throws {
            var options = WitnessServeOptions(statePath: state, key: try KeyFile.read(key),
                                              logs: try log.map { try VerifierKeyArgument.parse($0, option: "--log") })
            (options.host, options.port) = try Serve.address(listen, option: "--listen")
            options.insecureHTTP = insecureHttp
            var logger = Logger(label: "flowledger.witness") { StreamLogHandler.standardError(label: $0) }
            logger.logLevel = .info
            do {
                try await WitnessServer(options: options, logger: logger).run { url in Output.line(url) }
            } catch let error as ServeError {
                throw CommandFailure(error.description)
            }
        }
    }
}
