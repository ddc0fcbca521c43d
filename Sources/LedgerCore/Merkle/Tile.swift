import LedgerCrypto

/// One resource of a tiled log (c2sp.org/tlog-tiles, DESIGN §11.1): a Merkle hash tile
/// `tile/<L>/<N>[.p/<W>]` or an entry bundle `tile/entries/<N>[.p/<W>]`.
///
/// Tiles have height 8. The hash tile at level L, index N holds, for i in 0..<W, the Merkle tree
/// hash of the complete subtree at tree level 8·L with index N·256 + i:
///
///     MTH(D[(N·256 + i)·256^L : (N·256 + i + 1)·256^L])
///
/// — at level 0 the leaf hashes `H(0x00 || line)`. A full tile has W = 256 (8,192 bytes); a
/// partial one (`.p/W`, 1 ≤ W ≤ 255) holds the first W hashes of the full tile and never
/// changes either, since every hash in it is of a complete subtree. An entry bundle holds the
/// lines of entries N·256 ..< N·256 + W, each preceded by its length as a big-endian uint16.
///
/// N is written in 3-digit zero-padded groups, all but the last prefixed with `x`
/// (1234067 → `x001/x234/067`); L and W are plain decimals without leading zeros. Parsing is
/// strict (one canonical path per tile, as Go's `tlog.ParseTilePath` and the spec say), so a
/// cache can never hold the same tile under two names.
///
/// ```swift
/// let tile = try Tile(path: "0/x001/067.p/5")       // level 0, index 1067, width 5
/// tile.path                                        // "tile/0/x001/067.p/5"
/// tile.coveredSize                                 // 1067·256 + 5 = 273157 entries needed
/// ```
package struct Tile: Hashable, Sendable, CustomStringConvertible {
    /// The tile height: each tile spans 8 levels of the tree.
    package static let height = 8
    /// Hashes (or entries) in a full tile: 2^height.
    package static let fullWidth = 256
    /// The highest level a path may name (c2sp.org/tlog-tiles: 0…63).
    package static let maxLevel = 63

    /// What the tile holds.
    package enum Kind: Hashable, Sendable {
        /// Merkle tree hashes at tile level `level` (tree level 8·level).
        case hashes(level: Int)
        /// Entry bundle: the log's entry lines, each length-prefixed.
        case entries
    }

    /// Hashes at a level, or entries.
    package let kind: Kind
    /// The tile's index within its level.
    package let index: Int64
    /// How many hashes (or entries) it holds: 256 for a full tile, 1…255 for a partial one.
    package let width: Int

    /// A tile; `width` must be in 1…256 and `index` ≥ 0, and a hash tile's level in 0…63.
    package init(kind: Kind, index: Int64, width: Int = Tile.fullWidth) throws(TilePathError) {
        if case .hashes(let level) = kind, !(0...Self.maxLevel).contains(level) {
            throw TilePathError("level \(level) is out of range; tile levels are 0 to \(Self.maxLevel)")
        }
        guard index >= 0 else { throw TilePathError("tile index \(index) is negative") }
        guard (1...Self.fullWidth).contains(width) else {
            throw TilePathError("tile width \(width) is out of range; a tile holds 1 to \(Self.fullWidth)")
        }
        self.kind = kind
        self.index = index
        self.width = width
    }

    /// Whether this is a partial tile (`.p/W`).
    package var isPartial: Bool { width < Self.fullWidth }

    /// Parses the part of a tile path after `tile/`: `<L>/<N>[.p/<W>]` or `entries/<N>[.p/<W>]`.
    package init(path: some StringProtocol) throws(TilePathError) {
        var parts = String(path).split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        let shown = "tile/\(path)"
        func bad(_ why: String) -> TilePathError {
            TilePathError("\(quotedForMessage(shown, limit: 80)) is not a tile path: \(why); tiles are tile/<L>/<N>[.p/<W>] and tile/entries/<N>[.p/<W>], with N in 3-digit groups (x001/x234/067)")
        }
        guard parts.count >= 2 else { throw bad("it names no tile index") }
        let kind: Kind
        let first = parts.removeFirst()
        if first == "entries" {
            kind = .entries
        } else {
            guard let level = Self.decimal(first), level <= Self.maxLevel else {
                throw bad("the level \(quotedForMessage(first)) is not a decimal from 0 to \(Self.maxLevel) without leading zeros")
            }
            kind = .hashes(level: level)
        }
        // A partial tile ends in "<last group>.p/<W>".
        var width = Self.fullWidth
        if parts.count >= 2, parts[parts.count - 2].hasSuffix(".p") {
            let text = parts.removeLast()
            guard let w = Self.decimal(text), (1..<Self.fullWidth).contains(w) else {
                throw bad("the partial width \(quotedForMessage(text)) is not a decimal from 1 to \(Self.fullWidth - 1) without leading zeros")
            }
            width = w
            parts[parts.count - 1].removeLast(2)
        }
        var index: Int64 = 0
        for (position, group) in parts.enumerated() {
            let last = position == parts.count - 1
            var digits = Substring(group)
            if !last {
                guard digits.first == "x" else { throw bad("every index group but the last begins with x") }
                digits = digits.dropFirst()
            }
            guard digits.count == 3, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let value = Int64(digits) else {
                throw bad("the index group \(quotedForMessage(group)) is not three digits")
            }
            // A leading group of 000 would give the same index a second name.
            guard position > 0 || value > 0 || last else { throw bad("the index has a leading x000 group") }
            let (scaled, overflow) = index.multipliedReportingOverflow(by: 1000)
            guard !overflow, scaled <= Int64.max - value else { throw bad("the index is too large") }
            index = scaled + value
        }
        try self.init(kind: kind, index: index, width: width)
    }

    /// The path, `tile/<L>/<N>[.p/<W>]` or `tile/entries/<N>[.p/<W>]`.
    package var path: String {
        var groups: [String] = []
        var n = index
        repeat {
            let group = String(n % 1000)
            groups.insert(String(repeating: "0", count: 3 - group.count) + group, at: 0)
            n /= 1000
        } while n > 0
        let number = groups.dropLast().map { "x" + $0 + "/" }.joined() + groups.last!
        let level: String
        switch kind {
        case .hashes(let l): level = String(l)
        case .entries: level = "entries"
        }
        return "tile/\(level)/\(number)" + (isPartial ? ".p/\(width)" : "")
    }

    /// The path.
    package var description: String { path }

    /// The tree level of the hashes in a hash tile (8·L); 0 for an entry bundle.
    package var treeLevel: Int {
        if case .hashes(let level) = kind { return level * Self.height }
        return 0
    }

    /// The indexes, at ``treeLevel``, of the subtrees whose hashes (or entries) the tile holds:
    /// N·256 ..< N·256 + W. Nil when they do not fit in a 64-bit index.
    package var nodes: Range<Int64>? {
        let (first, overflow) = index.multipliedReportingOverflow(by: Int64(Self.fullWidth))
        guard !overflow, first <= Int64.max - Int64(width) else { return nil }
        return first..<(first + Int64(width))
    }

    /// The log size the tile needs: every hash in it covers complete subtrees of the first
    /// `(N·256 + W)·256^L` entries. Nil when that is beyond any 64-bit log size (no such tile
    /// can exist).
    package var coveredSize: Int64? {
        guard let nodes else { return nil }
        let shift = treeLevel
        guard shift < 63, nodes.upperBound <= (Int64.max >> Int64(shift)) else { return nil }
        return nodes.upperBound << Int64(shift)
    }

    /// A decimal without leading zeros (or "0"), as an Int.
    private static func decimal(_ text: String) -> Int? {
        guard !text.isEmpty, text.count <= 9, text.allSatisfy({ $0.isASCII && $0.isNumber }),
              text == "0" || text.first != "0" else { return nil }
        return Int(text)
    }
}
