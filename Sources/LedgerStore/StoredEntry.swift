import LedgerCore

/// An entry together with the exact bytes it is stored as (without the newline): what a reader
/// prints byte for byte (`tail -o raw`) and hashes into the leaf, `L(n) = H(0x00 || line)`,
/// without encoding the entry again.
public struct StoredEntry: Sendable {
    /// The entry, parsed strictly from ``line``.
    public let entry: Entry
    /// The stored line, without its trailing newline.
    public let line: [UInt8]

    /// Parses the stored `line` of entry `seq` of the ledger in `directory` (named in errors).
    package init(line: [UInt8], seq: Int64, directory: String) throws(StoreError) {
        do {
            entry = try Entry(line: line)
        } catch {
            throw StoreError(.damaged, "\(directory): entry \(seq) does not parse: \(error); run `flowledger verify \(directory)` for a full report")
        }
        guard entry.seq == seq else {
            throw StoreError(.damaged, "\(directory): the line at position \(seq) says seq \(entry.seq); run `flowledger verify \(directory)` for a full report")
        }
        self.line = line
    }

    /// An entry already parsed from `line`.
    package init(entry: Entry, line: [UInt8]) {
        self.entry = entry
        self.line = line
    }

    /// The seq.
    public var seq: Int64 { entry.seq }
}
