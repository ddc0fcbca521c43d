import ArgumentParser
import FlowLedger
#if canImport(Glibc)
import Glibc
import LedgerProjection
#endif

/// `flowledger views (DIR | postgres://… [--views-file F]) NAME [--json] [--rebuild]`
struct Views: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Bring views.sqlite up to date with the log and print one view.",
        discussion: """
            Views: \(ViewTable.named.map(\.name).joined(separator: ", ")). The projector catches up \
            from its recorded position (rebuilding views.sqlite when it is missing, of another ledger \
            or ahead of the log, with a note on stderr), then prints the view as a table of its main \
            columns, or with --json as one JSON array of objects with every column. A ledger directory that cannot be written is left as it \
            is: its views are projected into a temporary file for this command. \
            A PostgreSQL store (postgres://…) is projected from its committed rows (seq, prev and time \
            checked as they are read) into --views-file FILE, kept and brought up to date on each run, \
            or without it into a temporary file for this command.
            """)

    @OptionGroup var ledger: ViewedLedger

    @Argument(help: "The view: \(ViewTable.named.map(\.name).joined(separator: ", ")).")
    var name: String

    @Flag(help: "Print the view as one JSON array of objects, with every column.")
    var json = false

    @Flag(help: "Drop the views and project the whole log again first.")
    var rebuild = false

    @Option(name: .customLong("batch-entries"), help: .hidden)
    var batchEntries: Int?

    @Option(name: .customLong("pause-after-batch-ms"), help: .hidden)
    var pauseMilliseconds: Int?

    func run() throws {
        guard let view = ViewTable.named.first(where: { $0.name == name }) else {
            throw CommandFailure("no view \"\(name)\"; views: \(ViewTable.named.map(\.name).joined(separator: ", "))")
        }
        var options = ProjectorOptions()
        if let batchEntries { options.batchEntries = batchEntries }
        if let pause = pauseMilliseconds { options.afterBatch = { _, _ in usleep(UInt32(pause * 1000)) } }
        else if isatty(2) == 1 {
            // A long catch-up (a large log, or a rebuild) shows where it is; cleared when done.
            options.afterBatch = { projected, size in
                Output.rawError(projected < size ? "\rprojecting: \(projected) of \(size) entries " : "\r\u{1B}[K")
            }
        }
        let views = try ReadableViews.open(ledger, options: options, rebuild: rebuild)
        let table = try ViewsFile(path: views.path).select(json ? view.jsonSQL : view.sql)
        Output.raw(json ? TablePrinter.json(table) : TablePrinter.text(table, maxCell: isatty(1) == 1 ? 72 : nil))
    }
}
