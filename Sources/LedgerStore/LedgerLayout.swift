/// Where each file of a ledger directory lives (DESIGN §9).
///
///     <dir>/ledger.json                    format version, origin, suite, operator key
///     <dir>/log/<first seq, 20 digits>.jsonl   segment files: the source of truth
///     <dir>/index/offsets                  derived: 16 bytes per entry (offset, length in its segment)
///     <dir>/index/hashes                   derived: 32-byte stored Merkle hashes, Go tlog layout
///     <dir>/index/state.sqlite             derived: the writer's state snapshot and rule history
///     <dir>/checkpoints/<size>.checkpoint  every published checkpoint; `latest` is the newest
///     <dir>/writer.lock                    the single writer's advisory lock
///     <dir>/views.sqlite                   derived: the projector's views (LedgerProjection)
package struct LedgerLayout: Sendable {
    /// The ledger directory.
    package let directory: String

    /// The layout of the ledger at `directory`.
    package init(directory: String) {
        self.directory = directory.count > 1 && directory.hasSuffix("/") ? String(directory.dropLast()) : directory
    }

    /// `ledger.json`.
    package var manifest: String { directory + "/ledger.json" }
    /// The segment directory.
    package var log: String { directory + "/log" }
    /// The derived-file directory.
    package var index: String { directory + "/index" }
    /// The offset index.
    package var offsets: String { index + "/offsets" }
    /// The stored Merkle hashes.
    package var hashes: String { index + "/hashes" }
    /// The writer's state snapshot and the history its rules look up (``HistoryFile``).
    package var writerState: String { index + "/state.sqlite" }
    /// The checkpoint directory.
    package var checkpoints: String { directory + "/checkpoints" }
    /// The newest checkpoint.
    package var latestCheckpoint: String { checkpoints + "/latest" }
    /// The writer lock file.
    package var lock: String { directory + "/writer.lock" }
    /// The URL of the `flowledger serve` holding the writer lock, while it runs.
    package var servedURL: String { directory + "/serve.url" }
    /// The projector's views (derived, deletable, rebuilt on demand).
    package var views: String { directory + "/views.sqlite" }

    /// The checkpoint of `size` entries.
    package func checkpoint(size: Int64) -> String { checkpoints + "/\(size).checkpoint" }

    /// The size named by a checkpoint file name (`42.checkpoint`, as ``checkpoint(size:)``
    /// writes it), or nil for any other name (`latest`, `042.checkpoint`, temporary files).
    package static func checkpointSize(ofFileNamed name: String) -> Int64? {
        guard name.hasSuffix(".checkpoint"), let size = Int64(name.dropLast(11)), size >= 0, "\(size).checkpoint" == name else { return nil }
        return size
    }

    /// The segment whose first entry is `firstSeq`.
    package func segment(firstSeq: Int64) -> String { log + "/" + Self.segmentName(firstSeq: firstSeq) }

    /// `00000000000000000042.jsonl`.
    package static func segmentName(firstSeq: Int64) -> String {
        let digits = String(firstSeq)
        return String(repeating: "0", count: max(0, 20 - digits.count)) + digits + ".jsonl"
    }

    /// The first seq named by a segment file name, or nil for any other name.
    package static func firstSeq(ofSegmentNamed name: String) -> Int64? {
        guard name.utf8.count == 26, name.hasSuffix(".jsonl") else { return nil }
        let digits = name.prefix(20)
        guard digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int64(digits)
    }
}
