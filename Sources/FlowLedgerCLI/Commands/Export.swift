import ArgumentParser
import FlowLedger
import LedgerPostgres
import LedgerStore

/// `flowledger export --store URL DIR`: the PostgreSQL store's log as the segment files the
/// embedded store would have written, byte for byte (DESIGN §12), for `verify` and archives.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write a PostgreSQL store's ledger as a ledger directory, byte for byte (DESIGN §12).",
        discussion: """
            Every entry is checked as `verify` checks it while it is copied (rules, chain, signatures), and every \
            published checkpoint is checked against the copy's Merkle root before it is kept. Run again to extend \
            an earlier export. Exit 1 if the store's log breaks a rule or a checkpoint does not match it.
            """)

    @Option(help: ArgumentHelp("The PostgreSQL store, postgres://USER@HOST[:PORT][,HOST[:PORT]…]/DATABASE (a standby will do).", valueName: "url"))
    var store: String

    @Argument(help: "The ledger directory to write (created; or an earlier export of the same ledger, extended).")
    var directory: String

    func run() throws {
        let source = try PostgresStore.openReader(address: try PostgresAddress(store))
        defer { source.close() }
        let result: StoreExport.Result
        do { result = try StoreExport.run(from: source, to: directory) } catch { throw CommandFailure(error) }
        Output.line("exported \(result.added) entries (\(result.size) in all) and \(result.checkpoints) checkpoints from \(source.address) to \(directory)")
    }
}
