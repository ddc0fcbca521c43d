import FlowLedger
import Foundation
import LedgerPostgres
import LedgerStore

/// Opening a ledger as its writer from a command: what recovery repaired or rebuilt is said on
/// stderr (`flowledger: note: …`), so an operator learns of a torn write that was cut or a state
/// snapshot that was ignored, without it mixing with the receipts on stdout.
enum WriterOpening {
    /// Opens the ledger at `directory` (or in the PostgreSQL store `directory` names) as its
    /// writer and prints recovery's notes.
    static func open(_ directory: String, options: WriterOptions = WriterOptions()) throws -> LedgerWriter {
        let writer: LedgerWriter
        if PostgresAddress.isStore(directory) {
            let address = try PostgresAddress(directory)
            let store = try PostgresStore.open(address: address, writerName: writerName)
            writer = try LedgerWriter.open(store: store, name: address.description, options: options)
            for note in writer.recovery.notes { Output.error("flowledger: note: \(note)") }
            return writer
        }
        do {
            writer = try LedgerWriter.open(directory: directory, options: options)
        } catch {
            if error.code == .locked, let url = servedURL(directory) {
                throw CommandFailure("\(directory) is served by `flowledger serve` at \(url); append through it: flowledger append \(url) --key KEY.pem --author ID (the key signs the events and the requests)")
            }
            throw error
        }
        let recovery = writer.recovery
        if recovery.tornBytes > 0 {
            Output.error("flowledger: note: cut a torn last line of \(recovery.tornBytes) bytes from \(recovery.tornSegment ?? "the last segment") (an append interrupted before it was acknowledged)")
        }
        for note in recovery.notes { Output.error("flowledger: note: \(note)") }
        return writer
    }

    /// How this process names itself as a store's writer (`log_head.writer`).
    static var writerName: String {
        "\(ProcessInfo.processInfo.processName) pid \(getpid()) on \(ProcessInfo.processInfo.hostName)"
    }

    /// The URL a `flowledger serve` holding `directory` left beside the lock, if any.
    private static func servedURL(_ directory: String) -> String? {
        guard let text = try? String(contentsOfFile: LedgerLayout(directory: directory).servedURL, encoding: .utf8) else { return nil }
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }
}
