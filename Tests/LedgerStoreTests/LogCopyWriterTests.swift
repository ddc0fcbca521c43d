import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerTestSupport
import Testing

/// The writer of a verified copy (LogCopyWriter, used by `mirror`) on the fixture ledgers: a
/// batch is checked while the one before it is written, what is durable is always a checked
/// prefix, and a batch that breaks a rule leaves the batch before it written and nothing of itself.
@Suite("Copy writer with a batch written while the next is checked (LogCopyWriter)")
struct LogCopyWriterTests {
    static let ledgers = Fixtures.url("ledgers").path

    /// The lines of fixture `name`'s segments, in order.
    private func lines(_ name: String) throws -> [[UInt8]] {
        let log = Self.ledgers + "/" + name + "/log"
        return try FileManager.default.contentsOfDirectory(atPath: log).sorted().flatMap { file in
            try Data(contentsOf: URL(fileURLWithPath: log + "/" + file)).split(separator: 0x0a).map { Array($0) }
        }
    }

    private func newCopy(of name: String) throws -> (writer: LogCopyWriter, directory: String) {
        let directory = try temporaryDirectory().appendingPathComponent("copy").path
        let manifest = try LedgerManifest.read(LedgerLayout(directory: Self.ledgers + "/" + name))
        return (try LogCopyWriter.create(directory: directory, manifest: manifest), directory)
    }

    /// The root the fixture's own checkpoint of `size` names.
    private func checkpointRoot(_ name: String, size: Int) throws -> String {
        let note = try String(contentsOfFile: Self.ledgers + "/" + name + "/checkpoints/\(size).checkpoint", encoding: .utf8)
        return String(note.split(separator: "\n")[2])
    }

    @Test func batchesCheckedWhileTheOneBeforeIsWrittenMakeTheSameLog() throws {
        let all = try lines("intact")
        let (copy, directory) = try newCopy(of: "intact")
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        var next = 0
        while next < all.count {
            let batch = Array(all[next..<min(all.count, next + 7)])
            #expect(copy.nextSeq == Int64(next))
            let checked = try copy.check(batch)
            try copy.beginCommit(checked)
            next += batch.count
            // Until it is durable, the batch being written is not counted in `size`.
            #expect(copy.nextSeq == Int64(next))
            #expect(copy.size <= Int64(next))
        }
        try copy.finishCommit()
        #expect(copy.size == Int64(all.count))
        #expect(try copy.root(size: 13).base64 == checkpointRoot("intact", size: 13))
        #expect(try copy.root(size: 20).base64 == checkpointRoot("intact", size: 20))
        copy.close()
        #expect(try lines(directory: directory) == all)
        let reopened = try LogCopyWriter.open(directory: directory)
        #expect(reopened.size == Int64(all.count))
        reopened.close()
    }

    @Test func closingWhileABatchIsWrittenKeepsIt() throws {
        let all = try lines("intact")
        let (copy, directory) = try newCopy(of: "intact")
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        try copy.beginCommit(try copy.check(Array(all[0..<12])))
        _ = try copy.check(Array(all[12..<20]))  // checked, never committed
        copy.close()
        let reopened = try LogCopyWriter.open(directory: directory)
        #expect(reopened.size == 12)
        #expect(try reopened.line(at: 11) == all[11])
        reopened.close()
    }

    @Test func aBatchThatBreaksARuleIsNotWrittenAndTheOneBeforeItIs() throws {
        let forged = try lines("tampered/swapped-signatures")
        let intact = try lines("intact")
        let breakAt = forged.indices.first { forged[$0] != intact[$0] }!
        let (copy, directory) = try newCopy(of: "intact")
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        try copy.beginCommit(try copy.check(Array(forged[0..<breakAt])))
        #expect(throws: StoreError.self) { _ = try copy.check(Array(forged[breakAt...])) }
        // Refused from then on, and what was durable stays so.
        #expect(throws: StoreError.self) { _ = try copy.check(Array(forged[breakAt...])) }
        copy.close()
        let reopened = try LogCopyWriter.open(directory: directory)
        #expect(reopened.size == Int64(breakAt))
        reopened.close()
    }

    @Test func aBatchCommittedOutOfTurnIsRefused() throws {
        let all = try lines("intact")
        let (copy, directory) = try newCopy(of: "intact")
        defer { try? FileManager.default.removeItem(atPath: (directory as NSString).deletingLastPathComponent) }
        let first = try copy.check(Array(all[0..<5]))
        try copy.beginCommit(first)
        #expect(throws: StoreError.self) { try copy.beginCommit(first) }
        copy.close()
    }

    /// The lines of the copy's segments, in order.
    private func lines(directory: String) throws -> [[UInt8]] {
        let log = directory + "/log"
        return try FileManager.default.contentsOfDirectory(atPath: log).sorted().flatMap { file in
            try Data(contentsOf: URL(fileURLWithPath: log + "/" + file)).split(separator: 0x0a).map { Array($0) }
        }
    }
}
