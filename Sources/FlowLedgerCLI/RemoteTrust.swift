import ArgumentParser
import FlowLedger

/// What a command working on a served ledger's URL trusts, and how it remembers what it checked:
/// `--vkey` (the operator's key, else the one the server names), `--witness-key` (cosignatures
/// required on every checkpoint), `--checkpoint-file` (the latest verified checkpoint, kept
/// across runs so a server that rewrites history is caught), `--ca` (a private CA for https).
struct RemoteTrust: ParsableArguments {
    @Option(help: ArgumentHelp("With a URL: the operator's verifier key, or a file holding it; the server must serve that ledger (default: the key the server names).", valueName: "VKEY"))
    var vkey: String?

    @Option(name: .customLong("witness-key"), help: ArgumentHelp("With a URL: a witness whose cosignature every checkpoint must carry (repeatable).", valueName: "VKEY"))
    var witnessKeys: [String] = []

    @Option(name: .customLong("checkpoint-file"), help: ArgumentHelp("With a URL: remember the latest verified checkpoint in FILE and require every later one to extend it; a split view's evidence is written beside it.", valueName: "FILE"))
    var checkpointFile: String?

    @Option(help: ArgumentHelp("With an https URL: also trust the certificates in this PEM file (a private CA).", valueName: "FILE"))
    var ca: String?

    /// Whether any of these options was given (they mean nothing for a directory).
    var isGiven: Bool { vkey != nil || !witnessKeys.isEmpty || checkpointFile != nil || ca != nil }

    /// Connects to the ledger at `url`, signing requests with the key in `keyFile` (none: unsigned
    /// requests, for a ledger served with --public-read).
    func connect(_ url: String, keyFile: String?) async throws -> RemoteLedger {
        let key = try keyFile.map { try KeyFile.read($0) }
        return try await RemoteLedger.connect(to: url, key: key, options: try options())
    }

    /// The client options these arguments say.
    func options() throws -> RemoteLedgerOptions {
        var options = RemoteLedgerOptions()
        options.operatorKey = try vkey.map { try VerifierKeyArgument.parse($0, option: "--vkey") }
        options.witnesses = try witnessKeys.map { try VerifierKeyArgument.parse($0, option: "--witness-key") }
        options.checkpointFile = checkpointFile
        options.trustRoots = ca.map { [$0] } ?? []
        return options
    }
}
