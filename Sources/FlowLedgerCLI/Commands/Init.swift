import ArgumentParser
import FlowLedger
import Foundation
import LedgerCore
import LedgerPostgres
import LedgerStore

/// `flowledger init (DIR | --store URL [--grant-to ROLE]) --origin O --operator-key KEY.pem --operator-id ID [--operator-name N]`
struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new ledger with its genesis entry; the suite follows the operator key.",
        discussion: """
            With --store, the ledger lives in PostgreSQL (DESIGN §12): the schema is created if it is missing             (run as the database owner), and --grant-to gives the application's role what it needs and no more             (it may INSERT into entries, never UPDATE, DELETE or TRUNCATE it).
            """)

    @Argument(help: "The ledger directory (or give --store).")
    var directory: String?

    @Option(help: ArgumentHelp("Create the ledger in PostgreSQL instead: postgres://USER@HOST[:PORT]/DATABASE.", valueName: "url"))
    var store: String?

    @Option(name: .customLong("grant-to"), help: ArgumentHelp("With --store: grant the application's role its privileges on the schema.", valueName: "role"))
    var grantTo: String?

    @Option(help: "The ledger's unique name, e.g. exchange.sh.gov.example/2026 (printable ASCII, no spaces or '+').")
    var origin: String

    @Option(name: .customLong("operator-key"), help: "The operator's private key (PEM, mode 0600).")
    var operatorKey: String

    @Option(name: .customLong("operator-id"), help: "The operator's party id.")
    var operatorID: String

    @Option(name: .customLong("operator-name"), help: "The operator's display name (default: its party id).")
    var operatorName: String?

    func validate() throws {
        guard (directory == nil) != (store == nil) else { throw ValidationError("give a ledger directory or --store URL (one of them)") }
        if grantTo != nil && store == nil { throw ValidationError("--grant-to works with --store only") }
        if let grantTo, grantTo.isEmpty || !grantTo.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") }) {
            throw ValidationError("--grant-to \(grantTo): give a plain role name (letters, digits, _)")
        }
    }

    func run() throws {
        let key = try KeyFile.read(operatorKey)
        if let store { return try createInStore(store, key: key) }
        guard let directory else { return }
        let created: Ledger
        do {
            created = try Ledger.create(at: directory, origin: origin, operatorID: operatorID, operatorName: operatorName, operatorKey: key)
        } catch let error as FormatError {
            throw CommandFailure("\(error.field.isEmpty ? "" : flagName(for: error.field) + ": ")\(error.message)")
        }
        defer { created.close() }
        Output.line("created ledger \(directory)")
        Output.line("origin \(created.origin)")
        Output.line("suite \(created.suite)")
        Output.line("operator \(operatorID) key-id \(key.publicKey.keyID)")
        Output.line("vkey \(try created.verifierKey())")
    }

    /// Creates the schema (if missing) and the ledger in PostgreSQL, with its genesis entry.
    private func createInStore(_ url: String, key: PrivateKey) throws {
        let address = try PostgresAddress(url)
        let genesis: SignedEvent
        do {
            let event = try Event(id: "genesis", author: operatorID, keyID: key.publicKey.keyID, at: .now(),
                                  body: .genesis(GenesisBody(origin: origin, suite: key.suite,
                                                             operator: .init(party: operatorID, name: operatorName ?? operatorID, key: key.publicKey))))
            genesis = try SignedEvent(event: event, origin: origin, signer: key)
        } catch let error as FormatError {
            throw CommandFailure("\(error.field.isEmpty ? "" : flagName(for: error.field) + ": ")\(error.message)")
        }
        let manifest = LedgerManifest(origin: origin, suite: key.suite, operatorKey: key.publicKey)
        let store = try PostgresStore.create(address: address, manifest: manifest, writerName: "flowledger init on \(ProcessInfo.processInfo.hostName)")
        if let grantTo { try store.grant(to: grantTo) }
        let writer = try LedgerWriter.create(store: store, name: address.description, genesis: genesis)
        writer.close()
        Output.line("created ledger \(address)")
        Output.line("origin \(origin)")
        Output.line("suite \(key.suite)")
        Output.line("operator \(operatorID) key-id \(key.publicKey.keyID)")
        Output.line("vkey \(try manifest.operatorVerifierKey())")
        if let grantTo { Output.line("granted \(grantTo): INSERT and SELECT on entries (never UPDATE, DELETE or TRUNCATE)") }
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
