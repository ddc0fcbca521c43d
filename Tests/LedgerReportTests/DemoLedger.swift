import Foundation
import LedgerTestSupport

/// A new demo ledger (`flowledger demo DIR`: the same ledger byte for byte on every run) in a
/// temporary directory; the caller removes `root`.
struct DemoLedger {
    let root: URL
    var directory: String { root.appendingPathComponent("city").path }

    init() throws {
        root = try temporaryDirectory()
        let demo = try flowledger(["demo", root.appendingPathComponent("city").path])
        guard demo.status == 0 else { throw FixtureError("flowledger demo failed (exit \(demo.status)): \(demo.err)") }
    }

    /// `flowledger report` of the demo at a fixed check time, with `extra` arguments.
    func report(_ extra: [String] = []) throws -> (status: Int32, out: String, err: String) {
        try flowledger(["report", directory, "--checked-at", "2026-11-30T09:00:00Z"] + extra)
    }

    func remove() { try? FileManager.default.removeItem(at: root) }
}

/// How many times `needle` occurs in `text`.
func occurrences(of needle: String, in text: String) -> Int {
    text.components(separatedBy: needle).count - 1
}
