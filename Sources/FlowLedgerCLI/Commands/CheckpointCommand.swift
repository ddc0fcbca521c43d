import ArgumentParser
import FlowLedger
import LedgerStore

/// `flowledger checkpoint DIR --key OPERATOR.pem`
struct CheckpointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkpoint",
        abstract: "Sign a checkpoint of the current size with the operator key, publish it to checkpoints/ and print it.",
        discussion: "Opens the ledger as its writer (from its state snapshot, checking what follows it), so it fails while another writer holds the ledger; a program that keeps the ledger open checkpoints through the library. With no entry since the latest checkpoint, that one is printed as it was published, witnesses' cosignatures included, and nothing is signed again.")

    @OptionGroup var ledger: LedgerDirectory

    @Option(help: "The operator's private key (PEM, mode 0600).")
    var key: String

    func run() throws {
        let operatorKey = try KeyFile.read(key)
        let writer = try WriterOpening.open(ledger.directory)
        defer { writer.close() }
        Output.raw(try writer.checkpoint(operatorKey: operatorKey).note)
    }
}
