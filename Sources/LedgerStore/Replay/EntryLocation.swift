/// Where an entry's line is, in the terms of the store that holds it: file and line for the
/// segment files, the seq alone for a store without files (PostgreSQL's `entries` table, the
/// in-memory store). Breaks found by ``ReplayEngine`` carry one, so each caller can say where in
/// its own words.
package struct EntryLocation: Hashable, Sendable, CustomStringConvertible {
    /// The seq this line stands at: the number of lines before it in the log, which is the seq
    /// its entry must have (DESIGN §5). Not read from the line, which may say otherwise.
    package let seq: Int64
    /// The segment file relative to the ledger directory (`log/00000000000000000007.jsonl`), or
    /// nil for a store without files.
    package let file: String?
    /// The 1-based line number in ``file``, or nil without a file.
    package let line: Int?
    /// The byte offset of the line in ``file``, or nil without a file.
    package let offset: Int64?

    /// An entry known only by its seq.
    package static func seq(_ seq: Int64) -> EntryLocation {
        EntryLocation(seq: seq, file: nil, line: nil, offset: nil)
    }

    /// Line `line` of segment `file` (relative to the ledger directory), at byte `offset`.
    package static func segment(_ file: String, line: Int, offset: Int64, seq: Int64) -> EntryLocation {
        EntryLocation(seq: seq, file: file, line: line, offset: offset)
    }

    /// "log/00000000000000000007.jsonl line 3 (seq 9)", or "entry 9".
    package var description: String {
        guard let file else { return "entry \(seq)" }
        return line.map { "\(file) line \($0) (seq \(seq))" } ?? "\(file) (seq \(seq))"
    }
}
