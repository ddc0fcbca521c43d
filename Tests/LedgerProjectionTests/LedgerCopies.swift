import FlowLedger
import Foundation
import LedgerTestSupport

/// A copy of a fixture ledger in a temporary directory, so the projector can write its
/// views.sqlite beside it without touching `Fixtures/`.
func fixtureCopy(_ name: String) throws -> String {
    // The copy sits right under its own temporary directory (for "tampered/x" too), which
    // removeCopy removes whole.
    let directory = try temporaryDirectory().appendingPathComponent(URL(fileURLWithPath: name).lastPathComponent).path
    try FileManager.default.copyItem(atPath: Fixtures.url("ledgers/\(name)").path, toPath: directory)
    return directory
}

/// Removes a ledger copy and its temporary parent.
func removeCopy(_ directory: String) {
    try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path)
}
