import LedgerCore
import LedgerCrypto

/// The log as c2sp.org/tlog-tiles resources (DESIGN §11.1), read from what the store already
/// keeps: hash tiles from the stored Merkle hashes of `index/hashes`, entry bundles from the
/// segment lines. Nothing is recomputed per request.
///
/// Every hash of a tile at level L is the root of a complete subtree at tree level 8·L, and the
/// store keeps the hash of every complete subtree (``StoredHashes``: the hash at (level l,
/// index k) is written once, when leaf (k+1)·2^l − 1 is appended). So a tile of width W is W
/// reads of 32 bytes at ``StoredHashes/index(level:_:)`` — the same for a level-3 tile spanning
/// 2^24 entries per hash as for a level-0 tile of leaf hashes.
///
/// What is served is bounded by a tree size the caller names — `flowledger serve` names its
/// latest published checkpoint's — so a client only ever sees hashes and entries that a signed
/// checkpoint commits to. Inside that bound every full tile and every partial width is served:
/// a partial tile's hashes are of complete subtrees, so it never changes, and the partial tiles
/// of every published checkpoint size (which tlog-tiles requires) are among them.
///
/// ```swift
/// let tiles = TileService(reader: try LedgerReader(directory: "/var/lib/flowledger/exchange"))
/// let bytes = try tiles.bytes(of: try Tile(path: "0/000.p/17"), within: 17)   // 17 leaf hashes
/// ```
package struct TileService: Sendable {
    /// The ledger read.
    private let log: any ServedLog

    /// Tiles of `reader`'s ledger directory.
    package init(reader: LedgerReader) { log = DirectoryLog(reader) }

    /// Tiles of `log`, wherever it is stored.
    package init(log: any ServedLog) { self.log = log }

    /// The bytes of `tile`: W hashes of 32 bytes, or W length-prefixed entry lines.
    /// - Parameter size: the tree size served (a published checkpoint's size); a tile that needs
    ///   more entries than that is out of range.
    /// - Throws: ``StoreError`` `outOfRange` for a tile beyond `size` (an HTTP 404), `damaged`
    ///   when the derived files are behind or a line is too long for a bundle.
    package func bytes(of tile: Tile, within size: Int64) throws(StoreError) -> [UInt8] {
        guard let needed = tile.coveredSize, needed <= size, let nodes = tile.nodes else {
            throw StoreError(.outOfRange, "\(tile.path) is beyond the latest published checkpoint (size \(size)); tiles are served only for what a published checkpoint covers. Fetch `checkpoint` first and ask for the tiles its size needs")
        }
        switch tile.kind {
        case .hashes:
            return try hashes(tile, nodes: nodes, needed: needed)
        case .entries:
            return try bundle(nodes)
        }
    }

    /// The stored hashes at (8·L, N·256 + i) for i < W.
    private func hashes(_ tile: Tile, nodes: Range<Int64>, needed: Int64) throws(StoreError) -> [UInt8] {
        let level = tile.treeLevel
        let stored: [Hash32]
        do {
            stored = try log.readHashes(at: nodes.map { StoredHashes.index(level: level, $0) })
        } catch {
            throw StoreError(.damaged, "\(log.name): the stored hashes \(tile.path) needs (a published checkpoint covers \(needed) entries) cannot be read (\(error)); the writer extends them as it appends and repairs them when it opens: restart `flowledger serve`, and verify the ledger if this persists")
        }
        var out: [UInt8] = []
        out.reserveCapacity(stored.count * 32)
        for hash in stored { hash.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    /// Entries `seqs`, each line preceded by its length as a big-endian uint16.
    private func bundle(_ seqs: Range<Int64>) throws(StoreError) -> [UInt8] {
        let lines = try log.lines(in: seqs)
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + 2 + $1.count })
        for (seq, line) in zip(seqs, lines) {
            guard line.count <= Int(UInt16.max) else {
                throw StoreError(.damaged, "\(log.location(of: seq)) is \(line.count) bytes, longer than the \(UInt16.max) bytes an entry bundle can carry (DESIGN §4, §11.1), so tile/entries cannot serve it; this ledger breaks the line limit: verify \(log.name)")
            }
            out.append(UInt8(line.count >> 8))
            out.append(UInt8(line.count & 0xff))
            out += line
        }
        return out
    }
}
