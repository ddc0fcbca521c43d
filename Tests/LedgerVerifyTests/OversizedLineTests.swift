import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// DESIGN §4: no entry line is longer than 65,535 bytes, so `flowledger verify` reports a longer
/// line written into a segment by hand as an integrity break at its file and line, whether it ends
/// in a newline or not; a shorter unterminated tail is a torn write, as before.
@Suite("verify reports a line over 65,535 bytes as a break (OversizedLine)")
final class OversizedLineTests {
    private let work: String
    private let vkey = Fixtures.url("ledgers/intact.vkey").path
    /// The last segment of the intact corpus ledger: entries 14–19 on lines 1–6.
    private let lastSegment = "log/00000000000000000014.jsonl"

    init() throws { work = try temporaryDirectory().path }
    deinit { try? FileManager.default.removeItem(atPath: work) }

    /// A copy of the intact corpus ledger with `bytes` appended to its last segment.
    private func intactWith(_ bytes: [UInt8], as name: String) throws -> String {
        let target = work + "/" + name
        try FileManager.default.copyItem(atPath: Fixtures.url("ledgers/intact").path, toPath: target)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: target + "/" + lastSegment))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(bytes))
        try handle.close()
        return target
    }

    /// `{"event":"xx…x"}`, `count` bytes in all.
    private func line(_ count: Int) -> [UInt8] {
        Array((#"{"event":""# + String(repeating: "x", count: count - 12) + #""}"#).utf8)
    }

    @Test
    func aLineOf65536BytesIsABreakAtItsFileAndLine() throws {
        let ledger = try intactWith(line(65_536) + [0x0a], as: "complete")
        let result = try flowledger(["verify", ledger, "--vkey", vkey])
        #expect(result.status == 1, "\(result.out)")
        #expect(result.out.contains("\nINTEGRITY BROKEN at \(lastSegment) line 7 (seq 20)\n  broken    rule 1 (malformedLine)\n"), "\(result.out)")
        #expect(result.out.contains("  detail    the line is 65536 bytes, longer than the 65535-byte limit of an entry line (DESIGN §4); no writer writes such a line\n"), "\(result.out)")
    }

    @Test
    func anUnterminatedTailLongerThan65535BytesIsABreakNotATornWrite() throws {
        for count in [65_536, 200_000, 3 << 20] {  // the last is longer than the verifier's read chunk
            let ledger = try intactWith(line(count), as: "unterminated-\(count)")
            let result = try flowledger(["verify", ledger, "--vkey", vkey])
            #expect(result.status == 1, "\(count): \(result.out)")
            #expect(result.out.contains("\nINTEGRITY BROKEN at \(lastSegment) line 7 (seq 20)\n  broken    rule 1 (malformedLine)\n"), "\(count): \(result.out)")
            #expect(result.out.contains("DESIGN §4 limits an entry line to 65535 bytes"), "\(count): \(result.out)")
        }
        // 65,535 bytes without a newline could be a torn entry line: noted, not a break.
        let torn = try intactWith(line(65_535), as: "torn")
        let result = try flowledger(["verify", torn, "--vkey", vkey])
        #expect(result.status == 0, "\(result.out)")
        #expect(result.out.contains("note        \(lastSegment) ends with 65535 bytes that are not a complete line: a write torn by a crash"), "\(result.out)")
    }
}
