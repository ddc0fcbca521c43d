import ArgumentParser
import FlowLedger

/// `flowledger init DIR --origin O --operator-key KEY.pem --operator-id ID [--operator-name N]`
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new ledger with its genesis entry; the suite follows the operator key.")

    @OptionGroup var ledger: LedgerDirectory

    @Option(help: "The ledger's unique name, e.g. exchange.sh.gov.example/2026 (printable ASCII, no spaces or '+').")
    var origin: String

    @Option(name: .customLong("operator-key"), help: "The operator's private key (PEM, mode 0600).")
    var operatorKey: String

    @Option(name: .customLong("operator-id"), help: "The operator's party id.")
    var operatorID: String

    @Option(name: .customLong("operator-name"), help: "The operator's display name (default: its party id).")
    var operatorName: String?

    func run() throws {
        let key = try KeyFile.read(operatorKey)
        let created: Ledger
        do {
            created = try Ledger.create(at: ledger.directory, origin: origin, operatorID: operatorID, operatorName: operatorName, operatorKey: key)
        } catch let error as FormatError {
            throw CommandFailure("\(error.field.isEmpty ? "" : flagName(for: error.field) + ": ")\(error.message)")
        }
        defer { created.close() }
        Output.line("created ledger \(ledger.directory)")
        Output.line("origin \(created.origin)")
        Output.line("suite \(created.suite)")
        Output.line("operator \(operatorID) key-id \(key.publicKey.keyID)")
        Output.line("vkey \(try created.verifierKey())")
    }

    private func flagName(for field: String) -> String {
        switch field {
        case "body.origin": return "--origin"
        case "author", "body.operator.party": return "--operator-id"
        case "body.operator.name": return "--operator-name"
        default: return field
        }
    }
}
