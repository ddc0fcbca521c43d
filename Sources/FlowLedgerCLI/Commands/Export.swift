import ArgumentParser
import FlowLedger
import LedgerCore
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
        let copy = Directory.exists(LedgerLayout(directory: directory).manifest)
            ? try LogCopyWriter.open(directory: directory) : try LogCopyWriter.create(directory: directory, manifest: source.manifest)
        defer { copy.close() }
        guard copy.manifest == source.manifest else {
            throw CommandFailure("\(directory) holds another ledger (\(copy.manifest.origin)) than \(source.address) (\(source.manifest.origin)); export to a new directory")
        }
        let before = copy.size
        let target = try source.size()
        while copy.size < target {
            let lines = try source.lines(in: copy.size..<min(target, copy.size + 4096))
            do {
                try copy.commit(try copy.check(lines))
            } catch {
                throw CommandFailure("\(source.address): \(error.message); the entries before it were exported to \(directory)", exit: .rejected)
            }
        }
        let verifier = try source.manifest.operatorVerifierKey()
        var published = 0
        for size in try source.checkpointSizes() where size <= copy.size {
            guard let note = try source.checkpointNote(size: size) else { continue }
            let checkpoint: Checkpoint
            do {
                checkpoint = try Checkpoint.open(Array(note.utf8), verifiers: [verifier], origin: source.manifest.origin).checkpoint
            } catch {
                throw CommandFailure("\(source.address): the checkpoint of size \(size) does not open under the operator key: \(error)", exit: .rejected)
            }
            guard checkpoint.size == size, try copy.root(size: size) == checkpoint.root else {
                throw CommandFailure("\(source.address): the checkpoint of size \(size) does not match the log's Merkle root at that size; the log was rewritten after it was signed", exit: .rejected)
            }
            try copy.publish(checkpoint: note, size: size)
            published += 1
        }
        Output.line("exported \(copy.size - before) entries (\(copy.size) in all) and \(published) checkpoints from \(source.address) to \(directory)")
    }
}
