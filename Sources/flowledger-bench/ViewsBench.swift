// The projector on a large ledger, in one run, beside the physical limit of the system:
//   0. the limit: OpenSSL's raw Ed25519 verify rate on all cores (RawVerifyLimit), the most
//      entries per second any ledger on this machine can accept; measured before and after;
//   1. catch-up from nothing: every entry of a --entries ledger (default 1,000,000: exchanges,
//      each acknowledged) folded through PolicyChecker and written to views.sqlite, in entries
//      per second (goal ≥ 100,000/s), and the size of views.sqlite;
//   2. resuming: a new projector (as a new process) whose views stand at 90% of the log reads
//      the policy fold back from the views' rows, then projects one entry, then the last 10%;
//   3. reading: the typed flows and violations views, and `verify --views`' recomputation in memory;
//   4. the limit again, and the best catch-up as a multiple of it;
//   5. where the CPU goes: reading, parsing and the policy fold measured one by one on one core.
// The ledger is built once (signing and appending are not measured) and can be kept with
// --ledger DIR. Run through scripts/bench-views.sh. Results are never assertions.
import Foundation
import FlowLedger
import GRDB
import LedgerCore

struct ViewsBench {
    var entries = 1_000_000
    var ledgerDirectory: String?
    /// Exchanges never acknowledged: the policy fold holds every one of them (its largest state).
    var open = false

    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": entries = 100_000
            case "--open": open = true
            case "--entries":
                guard let text = rest.popFirst(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 10 else {
                    throw UsageError("--entries needs a whole number above 10")
                }
                entries = value
            case "--ledger":
                guard let path = rest.popFirst() else { throw UsageError("--ledger needs a directory") }
                ledgerDirectory = path
            default: throw UsageError("unknown option \(argument)")
            }
        }
    }

    func run() async throws {
        heading("views benchmark: \(grouped(entries)) entries\(open ? " (exchanges never acknowledged)" : ""), \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(loadAverage())")
        let directory = try ledgerDirectory ?? (makeTemporaryDirectory() + "/ledger")
        let parent = URL(fileURLWithPath: directory).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        if FileManager.default.fileExists(atPath: directory + "/ledger.json"), try LedgerReader(directory: directory).refresh() == Int64(entries) {
            line("ledger", "\(directory) (reused)")
        } else {
            try? FileManager.default.removeItem(atPath: directory)
            try StoreCast(suite: .ed25519SHA256).buildLedger(at: directory, entries: entries, acknowledged: !open)
        }
        let views = parent + "/bench-views.sqlite"
        func remove() { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: views + suffix) } }

        heading("0. the limit: OpenSSL raw Ed25519 verify on all cores, best of 3 (every append is a signature check)")
        let cast = try StoreCast(suite: .ed25519SHA256)
        let sample = try cast.exchanges(0..<16_000)
        var limits = [try RawVerifyLimit.printed(cast: cast, events: sample)]

        heading("1. catch-up from nothing into views.sqlite (twice: a shared machine varies from run to run)")
        let reader = try LedgerReader(directory: directory)
        var best = 0.0
        for run in 1...2 {
            remove()
            let start = nanos()
            let cpu = cpuSeconds()
            let full = try Projector(reader: reader, path: views).catchUp()
            let elapsed = seconds(since: start)
            let busy = cpuSeconds() - cpu
            let rate = Double(full.projected) / elapsed
            best = max(best, rate)
            rateLine("catch-up \(run), entries/s", rate,
                     String(format: "%.2f s for %@ entries; %.1f µs of CPU per entry, %.2f cores busy", elapsed, grouped(Int(full.projected)),
                            busy * 1e6 / Double(full.projected), busy / elapsed))
        }
        line("goal ≥ 100,000 entries/s", best >= 100_000 ? "met (best of the two runs)" : "NOT met (best of the two runs)")
        line("views.sqlite", padded(mebibytes(fileSize(views) + fileSize(views + "-wal"))) + "   (log: " + mebibytes(directorySize(directory + "/log")) + ")")
        line("peak RSS so far", peakRSS())

        heading("2. resuming at 90% (a new projector reads the policy fold back from the views' rows, then projects)")
        let ninety = Int64(entries) * 9 / 10
        remove()
        try Projector(reader: reader, path: views).catchUp(limit: ninety)
        let openExchanges = try await DatabaseQueue(path: views).read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM exchanges WHERE ack IN ('awaiting', 'overdue')") ?? 0
        }
        var start = nanos()
        try Projector(reader: reader, path: views).catchUp(limit: ninety + 1)
        line("resume + 1 entry", String(format: "%.2f s: the fold read back at %@ (%@ exchanges open)", seconds(since: start),
                                        grouped(Int(ninety)), grouped(openExchanges)))
        start = nanos()
        let resumed = try Projector(reader: reader, path: views).catchUp()
        line("resume + the last 10%", String(format: "%.2f s: %@ entries projected", seconds(since: start), grouped(Int(resumed.projected))))

        heading("3. reading")
        let projector = try Projector(reader: reader, path: views)
        start = nanos()
        let flows = try projector.views.flows()
        let violations = try projector.views.violations()
        line("typed flows + violations", String(format: "%.3f s (%d flows, %d violations)", seconds(since: start), flows.count, violations.count))
        start = nanos()
        let memory = try Projector(reader: reader, path: nil)
        try memory.catchUp()
        let same = try memory.digest() == projector.digest()
        line("verify --views recompute", String(format: "%.2f s in memory; digests %@", seconds(since: start), same ? "equal" : "DIFFER"))
        remove()
        heading("4. the limit again")
        limits.append(try RawVerifyLimit.printed(cast: cast, events: sample))
        let ceiling = limits.max()!
        line("catch-up / limit", String(format: "%9.1fx  (best catch-up %.0f /s over the best raw verify rate %.0f /s): the views keep up with any append rate this machine allows",
                                        best / ceiling, best, ceiling))

        heading("5. where a catch-up's CPU goes, one core: reading lines, parsing entries, the policy fold")
        try breakdown(directory: directory)

        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: parent) }
    }

    /// The stages of a catch-up measured one by one on one core, over the first 50,000 entries.
    private func breakdown(directory: String) throws {
        let probe = try LedgerReader(directory: directory)
        let count = min(Int64(entries), 50_000)
        var clock = nanos()
        let lines = try probe.lines(in: 0..<count)
        let reading = seconds(since: clock)
        clock = nanos()
        let parsed = try lines.map { try Entry(line: $0) }
        let parsing = seconds(since: clock)
        clock = nanos()
        var policy = PolicyChecker()
        var findings = 0
        for entry in parsed { findings += policy.apply(entry).count }
        let folding = seconds(since: clock)
        for (name, time) in [("read lines (LedgerReader)", reading), ("parse (Entry(line:))", parsing), ("PolicyChecker.apply", folding)] {
            rateLine(name, Double(count) / time, String(format: "%.2f µs per entry", time * 1e6 / Double(count)))
        }
        _ = findings
    }
}
