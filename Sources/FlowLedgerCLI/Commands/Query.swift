import ArgumentParser
import FlowLedger
#if canImport(Glibc)
import Glibc
import LedgerProjection
#endif

/// `flowledger query (DIR | postgres://… [--views-file F]) SQL [--json]`
struct Query: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run one read-only SQL statement over the views (views.sqlite, caught up first).",
        discussion: """
            Tables: parties, datasets, grants (and grant_status with each grant's status), exchanges, \
            flows, violations, quality, findings, position. The database is opened read-only: a \
            statement that would write is refused. Lists (roles, fields) are JSON arrays: use json_each. \
            When the ledger directory cannot be written (a read-only copy), the views are projected from \
            the log into a temporary file for this command, and the directory is left as it is. \
            A PostgreSQL store (postgres://…) is projected into --views-file FILE (kept, brought up to \
            date on each run) or, without it, into a temporary file for this command.
            """)

    @OptionGroup var ledger: ViewedLedger

    @Argument(help: "One SQL statement, e.g. \"SELECT dataset, sum(records) FROM flows GROUP BY dataset\".")
    var sql: String

    @Flag(help: "Print the rows as one JSON array of objects.")
    var json = false

    func run() throws {
        let views = try ReadableViews.open(ledger)
        do {
            let table = try ViewsFile(path: views.path).select(sql)
            Output.raw(json ? TablePrinter.json(table) : TablePrinter.text(table, maxCell: isatty(1) == 1 ? 72 : nil))
        } catch let error as ProjectionError {
            throw CommandFailure(error.message)
        }
    }
}
