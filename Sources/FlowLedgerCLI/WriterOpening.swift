import FlowLedger
import Foundation
import LedgerStore

/// Opening a ledger as its writer from a command: what recovery repaired or rebuilt is said on
/// stderr (`flowledger: note: …`), so an operator learns of a torn write that was cut or a state
/// snapshot that was ignored, without it mixing with the receipts on stdout.
enum WriterOpening {
    /// Opens the ledger at `directory` as its writer and prints recovery's notes.
    static func open(_ directory: String, options: WriterOptions = WriterOptions()) throws -> LedgerWriter {
        let writer: LedgerWriter
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

    /// The URL a `flowledger serve` holding `directory` left beside the lock, if any.
    private static func servedURL(_ directory: String) -> String? {
        guard let text = try? String(contentsOfFile: LedgerLayout(directory: directory).servedURL, encoding: .utf8) else { return nil }
        let url = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return url.isEmpty ? nil : url
    }
}
