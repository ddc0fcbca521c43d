import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// An attacker's (or a bad disk's) smallest change: one byte of one file. Every entry of the
/// intact corpus ledger is covered by a signed checkpoint, so no single changed byte in `log/` or
/// `checkpoints/` may leave the ledger verified — whichever rule catches it — and none may crash
/// the verifier or make it unable to run.
@Suite("One changed byte is always caught (LedgerVerifier)")
struct ByteFlipTests {
    @Test
    func everySingleByteChangeInTheLogOrCheckpointsBreaksVerification() throws {
        let source = Fixtures.url("ledgers/intact").path
        let vkey = try VerifierKey(string: String(contentsOfFile: Fixtures.url("ledgers/intact.vkey").path, encoding: .utf8)
            .trimmingCharacters(in: .newlines))
        let work = try temporaryDirectory().path
        defer { try? FileManager.default.removeItem(atPath: work) }
        let files = (try FileManager.default.contentsOfDirectory(atPath: source + "/log")).sorted().map { "log/" + $0 }
            + ["checkpoints/13.checkpoint", "checkpoints/20.checkpoint"]
        var options = VerifyOptions()
        options.operatorKey = vkey
        var random = SeededRandom(seed: 2026)
        var caughtBy: [String: Int] = [:]
        for trial in 0..<150 {
            let copy = work + "/\(trial)"
            try FileManager.default.copyItem(atPath: source, toPath: copy)
            let file = files[Int(random.next() % UInt64(files.count))]
            var bytes = try Array(Data(contentsOf: URL(fileURLWithPath: copy + "/" + file)))
            let offset = Int(random.next() % UInt64(bytes.count))
            let original = bytes[offset]
            repeat { bytes[offset] = UInt8(truncatingIfNeeded: random.next()) } while bytes[offset] == original
            try Data(bytes).write(to: URL(fileURLWithPath: copy + "/" + file))
            if file.hasSuffix("20.checkpoint") {  // latest is a copy of it; change both, as an attacker would
                try Data(bytes).write(to: URL(fileURLWithPath: copy + "/checkpoints/latest"))
            }
            let report = try LedgerVerifier(directory: copy, options: options).run()
            #expect(report.verdict == .integrityBroken, "byte \(offset) of \(file) changed from \(original) to \(bytes[offset]) went unnoticed")
            if let kind = report.firstBreak?.kind.name { caughtBy[kind, default: 0] += 1 }
            try FileManager.default.removeItem(atPath: copy)
        }
        // The changes land everywhere: several different rules must have caught them.
        #expect(caughtBy.count >= 3, "\(caughtBy)")
    }
}
