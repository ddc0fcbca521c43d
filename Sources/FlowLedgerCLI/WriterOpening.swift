import FlowLedger
import LedgerStore

/// Opening a ledger as its writer from a command: what recovery repaired or rebuilt is said on
/// stderr (`flowledger: note: …`), so an operator learns of a torn write that was cut or a state
/// snapshot that was ignored, without it mixing with the receipts on stdout.
enum WriterOpening {
    /// Opens the ledger at `directory` as its writer and prints recovery's notes.
    static func open(_ directory: String, options: WriterOptions = WriterOptions()) throws -> LedgerWriter {
        let writer = try LedgerWriter.open(directory: directory, options: options)
        let recovery = writer.recovery
        if recovery.tornBytes > 0 {
            Output.error("flowledger: note: cut a torn last line of \(recovery.tornBytes) bytes from \(recovery.tornSegment ?? "the last segment") (an append interrupted before it was acknowledged)")
        }
        for note in recovery.notes { Output.error("flowledger: note: \(note)") }
        return writer
    }
}
