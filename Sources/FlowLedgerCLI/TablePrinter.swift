import FlowLedger
import LedgerCrypto
import LedgerCore
import LedgerProjection

/// Prints a ``ViewTable`` as aligned columns for a person (`views`, `query`), or as one
/// canonical JSON array of objects for scripts (`--json`).
enum TablePrinter {
    /// The table as text: a header, a rule, one line per row, and a count. Text from the log is
    /// escaped for the terminal (``TerminalText``), so a value never shows as two rows. On a
    /// terminal, cells longer than `maxCell` characters are cut with "…" so rows stay on one
    /// line, and a last line says so.
    static func text(_ table: ViewTable, maxCell: Int? = nil) -> String {
        var wasCut = false
        let cells = table.rows.map { row in
            row.map { value in
                let text = render(value)
                guard let maxCell, text.count > maxCell else { return text }
                wasCut = true
                return String(text.prefix(maxCell - 1)) + "…"
            }
        }
        var widths = table.columns.map(\.count)
        for row in cells { for (index, cell) in row.enumerated() { widths[index] = max(widths[index], cell.count) } }
        func line(_ values: [String]) -> String {
            values.enumerated().map { index, value in
                index == values.count - 1 ? value : value.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ")
        }
        var out = line(table.columns) + "\n"
        out += line(widths.map { String(repeating: "-", count: $0) }) + "\n"
        for row in cells { out += line(row) + "\n" }
        out += "(\(table.rows.count) row\(table.rows.count == 1 ? "" : "s"))\n"
        if wasCut, let maxCell { out += "(cells longer than \(maxCell) characters are cut with …; --json prints them whole)\n" }
        return out
    }

    /// The table as canonical JSON: `[{"column":value,…},…]` and a newline.
    static func json(_ table: ViewTable) -> String {
        String(decoding: CanonicalJSON.encode(table.json), as: UTF8.self) + "\n"
    }

    private static func render(_ value: JSONValue) -> String {
        switch value {
        case .null: return "-"
        case .string(let text): return TerminalText.escaped(text)
        case .integer(let number): return String(number)
        default: return String(decoding: CanonicalJSON.encode(value), as: UTF8.self)
        }
    }
}
