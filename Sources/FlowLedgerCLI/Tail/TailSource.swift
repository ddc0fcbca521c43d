import FlowLedger
import LedgerStore

/// Where `flowledger tail` finds its starting point: a ledger directory's reader or a served
/// ledger, seen through the two reads the search for a start needs.
struct TailSource {
    /// The directory or URL, for messages.
    let name: String
    /// The number of entries when tail started.
    let size: Int64
    /// The entry with a seq.
    let entry: (Int64) async throws -> Entry
    /// The entries with seqs in a range.
    let entries: (Range<Int64>) async throws -> [Entry]

    /// A directory's reader.
    init(reader: LedgerReader) {
        name = reader.layout.directory
        size = reader.size
        entry = { try reader.entry(at: $0) }
        entries = { range in try reader.lines(in: range).enumerated().map { offset, line in
            try StoredEntry(line: line, seq: range.lowerBound + Int64(offset), directory: reader.layout.directory).entry
        } }
    }

    /// A store's log (a PostgreSQL store), its size read now.
    init(log: any ServedLog) throws {
        name = log.name
        size = try log.size()
        let read = { (range: Range<Int64>) throws -> [Entry] in
            try log.lines(in: range).enumerated().map { offset, line in
                try StoredEntry(line: line, seq: range.lowerBound + Int64(offset), directory: log.name).entry
            }
        }
        entries = read
        entry = { try read($0..<($0 + 1))[0] }
    }

    /// A served ledger whose size was just read.
    init(remote: RemoteLedger, size: Int64) {
        name = remote.url
        self.size = size
        entry = { try await remote.entries($0..<($0 + 1))[0] }
        entries = { try await remote.entries($0) }
    }
}
