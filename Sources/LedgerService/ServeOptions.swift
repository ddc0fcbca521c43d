import LedgerCore
import LedgerCrypto

/// How `flowledger serve` runs (DESIGN §11): where it listens, what it may sign, who may read,
/// and the limits that keep one client from holding the server.
package struct ServeOptions: Sendable {
    /// The ledger directory served.
    package var directory: String
    /// The host to listen on (`127.0.0.1` by default).
    package var host = "127.0.0.1"
    /// The port; 0 picks a free one (printed as the first line on stdout).
    package var port = 8740
    /// PEM certificate chain and private key for TLS; plain HTTP when nil.
    package var tls: (certificate: String, key: String)?
    /// Plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    package var insecureHTTP = false
    /// The operator key checkpoints are signed with; none are published without it.
    package var operatorKey: PrivateKey?
    /// Witnesses asked to cosign each checkpoint (`--witness URL=VKEY`).
    package var witnesses: [(url: String, key: VerifierKey)] = []
    /// Cosignatures a checkpoint needs before it is published (`--witness-quorum`).
    package var witnessQuorum = 0
    /// At most one checkpoint per this many milliseconds.
    package var checkpointIntervalMilliseconds: Int64 = 1000
    /// How long an append with `?wait=checkpoint` waits for a checkpoint covering it before it
    /// is answered 503 (its entries durable): checkpoints can be held back by a witness quorum
    /// not met, and a client must not wait for ever.
    package var checkpointWaitMilliseconds: Int64 = 60_000
    /// Reads need no request signature.
    package var publicRead = false
    /// Appends per second allowed to each submitter (a burst of the same size is allowed).
    package var ratePerSecond: Double = 1000
    /// Where Prometheus metrics are served, if anywhere ("host:port").
    package var metricsListen: (host: String, port: Int)?
    /// The base URL clients use, when a proxy stands in front (`https://ledger.example/`): the
    /// `@target-uri` they sign is checked against it.
    package var publicURL: String?
    /// The URL other `serve` front ends of the same PostgreSQL store reach this one at while it
    /// is the writer (they hand it their appends); nil: the URL it listens on.
    package var advertisedURL: String?

    /// Limits (DESIGN §11.3).
    package var maxBodyBytes = 4 << 20
    /// The most lines of one append.
    package var maxLines = 1000
    /// The most entries of one `v1/entries` read.
    package var maxReadEntries: Int64 = 1000
    /// An idle connection (or one that stopped sending its request) is closed after this many seconds.
    package var idleTimeoutSeconds: Int64 = 30
    /// A request body must arrive within this many seconds.
    package var bodyTimeoutSeconds: Int64 = 30
    /// Requests waiting in the sequencer's queue beyond which appends are refused with 503.
    package var maxQueuedAppends = 4096
    /// The most connections held at once; nil: the process's descriptor limit (raised to its
    /// hard limit) less ``ConnectionCap/reservedDescriptors``.
    package var maxConnections: Int?
    /// The most connections held at once from one IP address; nil: a quarter of the total
    /// (at least 64).
    package var maxConnectionsPerAddress: Int?
    /// A comment line on every event stream at least this often (seconds).
    package var keepAliveSeconds: Int64 = 15

    /// The options for serving `directory`.
    package init(directory: String) { self.directory = directory }

    /// Whether `host` is a loopback address, where plain HTTP is allowed.
    package static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
