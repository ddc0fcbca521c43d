// `flowledger report` on a large ledger whose views are current (issue 16: ≤ 10 s and a file
// of ≤ 5 MiB on 1,000,000 entries, aggregating with counts), in one run:
//   1. the ledger (--entries, default 1,000,000: exchanges, each acknowledged; --open: never
//      acknowledged, so every exchange is overdue and the attention table is as long as it gets),
//      built once and reusable with --ledger DIR, and its views caught up (not measured);
//   2. `flowledger report DIR --out FILE --remember RECORD` (the release binary, a child
//      process) with no record yet: the first report, a full verification (what `verify` costs);
//   3. the same again: the record covers every entry;
//   4. the daily case, twice: the record covers all but the last 1% (as yesterday's verification
//      left it), so 1% of the signatures are verified and the rest replayed against its root.
//   Each: wall time, peak RSS, where the time went (the hidden --timings: reading the views, the
//   verifier's replay, writing the page); the goal (≤ 10 s) is judged on 4, and the page's size
//   (≤ 5 MiB).
// Run through scripts/bench-report.sh. Results are never assertions.
import Foundation
import FlowLedger
import LedgerStore

struct ReportBench {
    var entries = 1_000_000
    var ledgerDirectory: String?
    /// Exchanges never acknowledged (every one overdue: the longest attention table).
    var open = false

    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--quick": entries = 100_000
            case "--open": open = true
            case "--entries": entries = try positiveNumber(after: argument, in: &rest)
            case "--ledger":
                guard let path = rest.popFirst() else { throw UsageError("--ledger needs a directory") }
                ledgerDirectory = path
            default: throw UsageError("unknown option \(argument)")
            }
        }
    }

    func run() throws {
        let binary = executableDirectory() + "/flowledger"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("\(binary) is missing; build it first (scripts/bench-report.sh does)")
        }
        heading("report benchmark: \(grouped(entries)) entries\(open ? " (exchanges never acknowledged)" : ""), \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(loadAverage())")
        let base = try ledgerDirectory ?? makeTemporaryDirectory()
        let directory = base + "/\(entries)\(open ? "-open" : "")/ledger"
        let cast = try StoreCast.reusable(for: directory, suite: .ed25519SHA256)
        if try StoreCast.existingSize(directory) != Int64(entries) {
            try? FileManager.default.removeItem(atPath: directory)
            try cast.buildLedger(at: directory, entries: entries, acknowledged: !open)
        } else {
            line("ledger", "\(directory) (reused)")
        }
        let scratch = NSTemporaryDirectory() + "report-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }

        heading("1. views caught up first (a report is made from current views; not measured)")
        let start = nanos()
        let caughtUp = try runChild([binary, "views", directory, "parties"], stdoutPath: scratch + "/views.out", stderrPath: scratch + "/views.err")
        guard caughtUp == 0 else { throw BenchError("flowledger views exited \(caughtUp): \((try? String(contentsOfFile: scratch + "/views.err", encoding: .utf8)) ?? "")") }
        line("views catch-up", String(format: "%.2f s", seconds(since: start)))

        let page = scratch + "/report.html"
        let record = scratch + "/verified"
        /// One `flowledger report DIR --out page --remember record` in a child process.
        func report(_ label: String) throws -> (seconds: Double, rss: Int64, timings: String) {
            let start = nanos()
            let (status, rss) = try runChildMeasuringPeakRSS([binary, "report", directory, "--out", page, "--remember", record, "--checked-at", "2026-11-30T09:00:00Z", "--timings"],
                                                            stdoutPath: scratch + "/report.out", stderrPath: scratch + "/report.err")
            let elapsed = seconds(since: start)
            let err = (try? String(contentsOfFile: scratch + "/report.err", encoding: .utf8)) ?? ""
            guard status == 0 || status == 3 else { throw BenchError("flowledger report exited \(status): \(err)") }
            let timings = err.split(separator: "\n").first { $0.hasPrefix("flowledger: timings: ") }.map { String($0.dropFirst(21)) } ?? "?"
            line(label, String(format: "%.2f s wall, peak RSS %@ (%@)", elapsed, mebibytes(rss), timings))
            return (elapsed, rss, timings)
        }

        heading("2. the first report (--remember FILE, no record yet): every signature verified, as verify does")
        let first = try report("first report")

        heading("3. a report made again with nothing new: the record covers every entry")
        let again = try report("same log again")

        // The daily case: yesterday's verification covered all but the last 1%. Its record is
        // what that verification would have left (the root of those entries, read here from
        // the ledger's index; the report recomputes it from the segments and breaks if it differs).
        let verifiedBefore = Int64(entries) - Int64(entries) / 100
        heading("4. the daily report: the record covers the first \(grouped(Int(verifiedBefore))), \(grouped(entries - Int(verifiedBefore))) entries are new (twice)")
        let proved = try VerifiedPrefix(text: Array(try Data(contentsOf: URL(fileURLWithPath: record))), source: record)
        let reader = try LedgerReader(directory: directory)
        let yesterday = VerifiedPrefix(origin: proved.origin, suite: proved.suite, operatorKey: proved.operatorKey, size: verifiedBefore,
                                       root: try reader.rootHash(size: verifiedBefore), checkedAt: "2026-11-29T09:00:00Z")
        var best = (seconds: Double.infinity, rss: Int64(0), timings: "")
        for round in 1...2 {
            try yesterday.write(to: record)
            let result = try report("round \(round)")
            if result.seconds < best.seconds { best = result }
        }
        let size = fileSize(page)

        heading("summary")
        line("first report (full verification)", String(format: "%9.2f s   (bounded by the signatures: verify costs as much)", first.seconds))
        line("made again, nothing new", String(format: "%9.2f s", again.seconds))
        line("daily report, 1% new", String(format: "%9.2f s   goal ≤ 10 s: %@", best.seconds, best.seconds <= 10 ? "met" : "NOT met"))
        line("  where it went", best.timings)
        line("report, file size", String(format: "%9.1f KiB", Double(size) / 1024) + "   goal ≤ 5 MiB: " + (size <= 5 << 20 ? "met" : "NOT met"))
        line("report, peak RSS", mebibytes(Swift.max(first.rss, again.rss, best.rss)))
        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: base) }
    }
}
