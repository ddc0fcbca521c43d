import ArgumentParser
import FlowLedger

/// `flowledger vkey DIR`
struct Vkey: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the operator's verifier key (name+keyid+base64), which checks checkpoints and proofs.")

    @OptionGroup var ledger: LedgerDirectory

    func run() throws {
        let reader = try LedgerReader(directory: ledger.directory)
        Output.line(try reader.checkpoints.operatorVerifierKey().string)
    }
}
