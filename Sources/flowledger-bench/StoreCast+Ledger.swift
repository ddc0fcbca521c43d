// Building the large benchmark ledgers (verify and views benchmarks): signing and appending are
// not what those benchmarks measure, so the ledger is built once, fast, and can be reused.
import Foundation
import FlowLedger

extension StoreCast {
    /// Exchanges, each followed by its acknowledgement (or, with `acknowledged` false, exchanges
    /// alone, all left open), until `entries`; checkpoints at 90% and at the end.
    func buildLedger(at directory: String, entries: Int, acknowledged: Bool = true) throws {
        let start = nanos()
        let ledger = try createLedger(at: directory)
        defer { ledger.close() }
        let perPair = acknowledged ? 2 : 1
        let pairs = (entries - setUpEntries) / perPair
        var next = 0
        var checkpointed = false
        while next < pairs {
            let end = min(pairs, next + 25_000)
            let events = try parallelMap(perPair * (end - next)) { i in
                try !acknowledged ? exchange(next + i) : i % 2 == 0 ? exchange(next + i / 2) : acknowledgement(next + i / 2)
            }
            var index = 0
            while index < events.count {
                let last = min(events.count, index + 8192)
                _ = try ledger.writer.appendBlocking(Array(events[index..<last]))
                index = last
            }
            next = end
            if !checkpointed && ledger.size >= Int64(entries) * 9 / 10 {
                _ = try ledger.checkpoint(operatorKey: operatorKey)
                checkpointed = true
            }
        }
        if ledger.size < Int64(entries) {
            _ = try ledger.writer.appendBlocking([try exchange(pairs)])
        }
        _ = try ledger.checkpoint(operatorKey: operatorKey)
        line("built", String(format: "%@ entries in %.1f s (not measured)", grouped(Int(ledger.size)), seconds(since: start)))
        line("on disk", padded(mebibytes(directorySize(directory + "/log"))) + " of segments")
    }

    /// The cast whose keys signed the ledger at `directory`: kept next to it (`bench-keys`) so a
    /// reused ledger is extended and verified with the keys it was built with.
    static func reusable(for directory: String, suite: Suite) throws -> StoreCast {
        let parent = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        let keys = parent + "/bench-keys"
        if let saved = try? String(contentsOfFile: keys, encoding: .utf8) {
            let pems = saved.components(separatedBy: "\n\n")
            return try StoreCast(suite: suite, keys: pems.map { try PrivateKey(pem: $0) })
        }
        let cast = try StoreCast(suite: suite)
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        try [cast.operatorKey, cast.providerKey, cast.recipientKey].map { try $0.pemRepresentation() }.joined(separator: "\n\n")
            .write(toFile: keys, atomically: true, encoding: .utf8)
        return cast
    }

    /// The size of the ledger at `directory`, or nil when there is none.
    static func existingSize(_ directory: String) throws -> Int64? {
        guard FileManager.default.fileExists(atPath: directory + "/ledger.json") else { return nil }
        return try LedgerReader(directory: directory).refresh()
    }
}
