import FlowLedger
import Foundation
import LedgerPostgres
import LedgerProjection
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// The views a reading command (`views`, `query`) prints from: the ledger's own `views.sqlite`,
/// caught up first, or — when the ledger directory cannot be written (a regulator's read-only
/// copy, a mount, another user's ledger) — a file projected from the log in a temporary
/// directory for this command alone, so reading never needs write access to the ledger. A
/// PostgreSQL store's views are kept in the `--views-file` given, else projected aside the same way.
struct ReadableViews {
    /// The SQLite file to open read-only.
    let path: String
    /// The temporary directory holding `path`, removed with the last copy of this value; nil for
    /// the ledger's own file.
    private let scratch: ScratchDirectory?

    /// Catches the views of `ledger` up (a directory that cannot be written, or a store without
    /// `--views-file`: projects them aside); notes go to stderr.
    static func open(_ ledger: ViewedLedger, options: ProjectorOptions = ProjectorOptions(), rebuild: Bool = false) throws -> ReadableViews {
        do {
            if PostgresAddress.isStore(ledger.location) {
                let log = try PostgresStore.openReader(address: try PostgresAddress(ledger.location))
                defer { log.close() }
                return try project(log, into: ledger.viewsFile, options: options, rebuild: rebuild) { size in
                    "the \(size) entries of \(log.name) were projected into a temporary file for this command; give --views-file FILE to keep the views and bring them up to date incrementally"
                }
            }
            let directory = ledger.location
            let reader = try LedgerReader(directory: directory)
            let own = reader.layout.views
            let writable = access(directory, W_OK) == 0 && (access(own, F_OK) != 0 || access(own, W_OK) == 0)
            return try project(DirectoryLog(reader), into: writable ? own : nil, options: options, rebuild: rebuild) { size in
                "\(directory) cannot be written, so its views.sqlite was not used or updated; the \(size) entries of the log were projected into a temporary file for this command. Run `flowledger views \(directory) parties` as a user who can write the directory to keep its views up to date"
            }
        } catch let error as ProjectionError {
            throw CommandFailure(error.message, exit: error.logDamaged ? .rejected : .usage)
        } catch let error as StoreError {
            throw CommandFailure(error)
        }
    }

    /// Projects `log` into `file`, kept and caught up (or rebuilt); with no file, into a
    /// temporary one for this command alone, noting `aside(size)`.
    private static func project(_ log: any ServedLog, into file: String?, options: ProjectorOptions, rebuild: Bool,
                                aside: (Int64) -> String) throws -> ReadableViews {
        if let file {
            let projector = try Projector(log: log, path: file, options: options)
            let result = rebuild ? try projector.rebuild() : try projector.catchUp()
            for note in result.notes { Output.error("flowledger: note: \(note)") }
            return ReadableViews(path: file, scratch: nil)
        }
        let scratch = try ScratchDirectory()
        let projector = try Projector(log: log, path: scratch.path + "/views.sqlite", options: options)
        let size = try projector.catchUp().size
        Output.error("flowledger: note: \(aside(size))")
        return ReadableViews(path: projector.path!, scratch: scratch)
    }
}
