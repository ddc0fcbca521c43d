import LedgerCore
import LedgerCrypto

/// How `flowledger witness serve` runs (DESIGN §11.5): its state file and key, the logs it
/// follows, and where it listens.
package struct WitnessServeOptions: Sendable {
    /// The witness state file (`flowledger witness init` makes it), shared with `witness cosign`.
    package var statePath: String
    /// The witness's private key (Ed25519), whose cosigner key the state records.
    package var key: PrivateKey
    /// The verifier keys of the log operators whose checkpoints it cosigns (origin = key name).
    package var logs: [VerifierKey]
    /// The host to listen on.
    package var host = "127.0.0.1"
    /// The port; 0 picks a free one (printed as the first line on stdout).
    package var port = 8741
    /// Plain HTTP on a non-loopback address (behind a TLS-terminating proxy).
    package var insecureHTTP = false
    /// An idle connection (or one that stopped sending its request) is closed after this many seconds.
    package var idleTimeoutSeconds: Int64 = 30
    /// A request body must arrive within this many seconds.
    package var bodyTimeoutSeconds: Int64 = 30

    /// The options for a witness with the state at `statePath`, `key`, following `logs`.
    package init(statePath: String, key: PrivateKey, logs: [VerifierKey]) {
        self.statePath = statePath
        self.key = key
        self.logs = logs
    }
}
