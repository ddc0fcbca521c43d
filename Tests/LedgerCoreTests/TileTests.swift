import LedgerCore
import Testing

/// Tile paths of c2sp.org/tlog-tiles (DESIGN §11.1): one canonical name per tile, and the log
/// size each tile needs.
@Suite struct TileTests {
    @Test(arguments: [
        ("0/000", Tile.Kind.hashes(level: 0), Int64(0), 256),
        ("0/x001/x234/067", .hashes(level: 0), 1_234_067, 256),
        ("1/x001/000.p/7", .hashes(level: 1), 1000, 7),
        ("63/999.p/255", .hashes(level: 63), 999, 255),
        ("entries/002.p/188", .entries, 2, 188),
        ("entries/x123/x456/789", .entries, 123_456_789, 256),
    ])
    func canonicalPathsParseAndPrintTheSame(path: String, kind: Tile.Kind, index: Int64, width: Int) throws {
        let tile = try Tile(path: path)
        #expect(tile.kind == kind)
        #expect(tile.index == index)
        #expect(tile.width == width)
        #expect(tile.path == "tile/" + path)
        #expect(try Tile(kind: kind, index: index, width: width) == tile)
    }

    @Test(arguments: ["0/2", "00/000", "01/000", "64/000", "-1/000", "0/000.p/0", "0/000.p/256", "0/000.p/07", "0/000.p/",
                      "0/x000/001", "0/001/002", "0/x001/x002", "0/0001", "0/01", "entries", "0", "", "0/", "data/000",
                      "0/x001/000.p/5/6", "0/\u{0661}23", "0/x9223372036854775/807/000",
                      "0/x009/x223/x372/x036/x854/x775/808"])
    func everyOtherPathIsRefusedSayingWhatATilePathIs(path: String) {
        #expect(throws: TilePathError.self) { try Tile(path: path) }
        do {
            _ = try Tile(path: path)
        } catch {
            #expect(error.message.contains("is not a tile path"))
            #expect(error.message.contains("tile/<L>/<N>[.p/<W>]"))
        }
    }

    @Test func aTileNeedsTheEntriesItsHashesCover() throws {
        #expect(try Tile(path: "0/000").coveredSize == 256)
        #expect(try Tile(path: "0/002.p/188").coveredSize == 700)
        #expect(try Tile(path: "1/000.p/2").coveredSize == 512)
        #expect(try Tile(path: "1/000").coveredSize == 65536)
        #expect(try Tile(path: "2/000.p/1").coveredSize == 65536)
        #expect(try Tile(path: "entries/001.p/44").coveredSize == 300)
        #expect(try Tile(path: "entries/001.p/44").nodes == 256..<300)
        #expect(try Tile(path: "1/003.p/5").nodes == 768..<773)
        #expect(try Tile(path: "1/003.p/5").treeLevel == 8)
        // Sizes no 64-bit log can reach.
        #expect(try Tile(path: "8/000.p/1").coveredSize == nil)
        #expect(try Tile(path: "7/x001/000").coveredSize == nil)
        #expect(try Tile(path: "0/x009/x223/x372/x036/x854/x775/807").nodes == nil)
    }
}
