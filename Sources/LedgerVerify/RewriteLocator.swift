import LedgerCore
import LedgerCrypto
import LedgerStore
#if canImport(Glibc)
import Glibc
#endif

/// After a checkpoint mismatch, points at the entry that was probably rewritten: the first whose
/// leaf hash differs from the one the writer stored in the derived `index/hashes` when it
/// appended. Only a hint — `index/` is derived and not trusted — but a rewrite that forgot the
/// index is located exactly; the signed root stays the evidence.
struct RewriteLocator {
    let layout: LedgerLayout
    let hash: HashAlgorithm

    /// Where the first differing entry below `size` is, with its event, or nil if the index
    /// agrees with the log, is missing, or cannot be read.
    func firstRewrittenEntry(below size: Int64) -> (file: String, line: Int, seq: Int64, eventID: String?, author: String?)? {
        guard let stored = try? PosixFile(path: layout.hashes, flags: O_RDONLY) else { return nil }
        var source = SegmentFileSource(layout: layout)
        var seq: Int64 = 0
        while seq < size, case .lines(let lines)? = try? source.next(limit: ReplayEngine.window) {
            for line in lines where seq < size {
                let leaf = Entry.leafHash(line: line.bytes, hash: hash)  // L(n) = H(0x00 || line)
                guard let bytes = try? stored.read(at: StoredHashes.index(level: 0, seq) * 32, count: 32), bytes.count == 32 else { return nil }
                if bytes != leaf.bytes {
                    let event = try? Entry(line: line.bytes).event
                    return (line.location.file ?? "log/", line.location.line ?? 0, seq, event?.id, event?.author)
                }
                seq += 1
            }
        }
        return nil
    }
}
