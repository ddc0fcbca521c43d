import Hummingbird
import LedgerCore
import LedgerCrypto
import LedgerStore

/// `GET tile/<L>/<N>[.p/<W>]` and `GET tile/entries/<N>[.p/<W>]` (DESIGN §11.1): the log as
/// c2sp.org/tlog-tiles, so any tlog-tiles client (Go's `sumdb/tlog`, a monitor, a witness)
/// reads and verifies it with no FlowLedger code. The bytes come from ``TileService``.
///
/// Tiles are served up to the latest published checkpoint's size and no further: a client sees
/// only what a signed checkpoint commits to (a 404 beyond it, as for a tile that does not exist
/// yet), and whatever it caches stays true, so the answers are `immutable`. Inside that size
/// every partial width is served, which includes the partial tiles of every published checkpoint
/// size that tlog-tiles requires; the checkpoint itself stays at `GET checkpoint` (`no-cache`).
struct TileEndpoint: Sendable {
    /// tlog-tiles resources never change once they exist; a shared cache (a CDN before the
    /// server) may keep them only when anyone may read them (`--public-read`): the signature a
    /// read needs travels in `Signature`, not `Authorization`, so a cache would not know.
    static func cacheControl(publicRead: Bool) -> String {
        (publicRead ? "public" : "private") + ", max-age=31536000, immutable"
    }

    let served: ServedLedger
    /// Over the log as it is now (a PostgreSQL writer that stepped down is replaced with its store).
    var tiles: TileService { TileService(log: served.log) }

    /// The endpoint over `served`'s ledger.
    init(served: ServedLedger) { self.served = served }

    /// The answer for `requestPath` (the whole path asked for, `/tile/…`): 200 with the tile, 400
    /// for a path that names no tile or names it otherwise than its one canonical path (`tile//0/000`
    /// would be another cache key for `tile/0/000`), 404 for a tile beyond the latest published
    /// checkpoint.
    func handle(requestPath: String) throws(Refusal) -> Response {
        let path = requestPath.hasPrefix("/tile/") ? String(requestPath.dropFirst(6)) : requestPath
        let tile: Tile
        do {
            tile = try Tile(path: path)
        } catch {
            throw Refusal(400, "badRequest", error.message)
        }
        guard "/" + tile.path == requestPath else {
            throw Refusal(400, "badRequest", "\(quotedForMessage(requestPath)) is not a tile path as tlog-tiles spells it; ask for /\(tile.path)")
        }
        guard let published = served.latestCheckpoint?.size else {
            throw Refusal(404, "notFound", "\(tile.path): no checkpoint has been published yet, and tiles are served only for what a published checkpoint covers; the operator publishes one with serve --operator-key, or `flowledger checkpoint`")
        }
        do {
            return WireAnswer.ok(try tiles.bytes(of: tile, within: published), contentType: "application/octet-stream",
                                 cacheControl: Self.cacheControl(publicRead: served.options.publicRead))
        } catch {
            throw ReadEndpoints.refusal(error)
        }
    }
}
