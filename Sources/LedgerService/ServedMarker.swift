import Foundation
import LedgerStore

/// `<dir>/serve.url`: the URL of the `flowledger serve` holding the ledger, written once it
/// listens and removed when it stops, so `flowledger append DIR` can say where to append
/// instead. Only read when the writer lock is taken: a stale file left by a killed server is
/// ignored once the lock is free.
struct ServedMarker: Sendable {
    let layout: LedgerLayout

    func write(url: String) {
        try? Data((url + "\n").utf8).write(to: URL(fileURLWithPath: layout.servedURL), options: .atomic)
    }

    func remove() { try? FileManager.default.removeItem(atPath: layout.servedURL) }
}
