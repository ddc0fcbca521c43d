import LedgerCore

/// How a ``RemoteLedger`` talks to a served ledger and what it insists on.
///
/// ```swift
/// var options = RemoteLedgerOptions()
/// options.operatorKey = try VerifierKey(string: vkey)           // from the operator, out of band
/// options.checkpointFile = "/var/lib/ride/exchange.checkpoint"   // remembered across runs
/// let ledger = try await RemoteLedger.connect(to: "https://ledger.example/", key: platformKey, options: options)
/// ```
public struct RemoteLedgerOptions: Sendable {
    /// The operator's verifier key every checkpoint must verify under. When nil the client takes
    /// the key the server's manifest names (trust on first use); give it to take nothing on trust.
    public var operatorKey: VerifierKey?
    /// Witnesses whose cosignatures every checkpoint must carry.
    public var witnesses: [VerifierKey] = []
    /// Where to remember the latest checkpoint the client verified, across runs. Every newer one
    /// must be consistent with it; a split view's evidence is written beside this file. Nil:
    /// remembered in memory only, for the client's lifetime.
    public var checkpointFile: String?
    /// PEM files of the certificate authorities to trust for `https` besides the system's (a
    /// private CA, or a self-signed server certificate in a test).
    public var trustRoots: [String] = []
    /// How long one request may take, in seconds (an event stream is exempt).
    public var requestTimeout: Int64 = 60
    /// How many times a request is sent again after a broken connection, a 503 or a 429 before
    /// the client gives up. Appends are safe to repeat: the server answers a repeated event with
    /// its original receipt. Whatever this says, a request with no complete answer within
    /// ``requestTimeout`` is sent once more only, and one whose address refuses connections
    /// (each attempt connects again for 10 s, which rides out a server's restart) once more only;
    /// an answer too large or not HTTP is never sent again.
    public var retries = 8
    /// How long a request signature lives, in seconds (the server accepts at most 300).
    public var signatureLifetime: Int64 = 60

    /// The defaults: trust on first use, no witnesses, memory only, system trust roots.
    public init() {}
}
