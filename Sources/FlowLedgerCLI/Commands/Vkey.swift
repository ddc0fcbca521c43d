import ArgumentParser
import FlowLedger

/// `flowledger vkey (DIR|URL) [--key KEY.pem]`
struct Vkey: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the operator's verifier key (name+keyid+base64), which checks checkpoints and proofs.",
        discussion: """
            From a served ledger's URL the key is the one its manifest (GET v1/ledger) names: \
            confirm it with the operator out of band before you rely on it.
            """)

    @OptionGroup var ledger: LedgerLocation

    @Option(help: ArgumentHelp("With a URL: a registered party's private key, to sign the request (not needed with --public-read).", valueName: "KEY.pem"))
    var key: String?

    @OptionGroup var trust: RemoteTrust

    func run() async throws {
        if let url = ledger.url {
            let remote = try await trust.connect(url, keyFile: key)
            defer { Task { await remote.close() } }
            Output.line(remote.verifierKey().string)
            return
        }
        let reader = try LedgerReader(directory: ledger.location)
        Output.line(try reader.checkpoints.operatorVerifierKey().string)
    }
}
