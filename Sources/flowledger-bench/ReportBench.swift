// `flowledger report` on a large ledger whose views are current (issue 16: ≤ 10 s and a file
// of ≤ 5 MiB on 1,000,000 entries, aggregating with counts), in one run:
//   1. the ledger (--entries, default 1,000,000: exchanges, each acknowledged; --open: never
//      acknowledged, so every exchange is overdue and the attention table is as long as it gets),
//      built once and reusable with --ledger DIR, and its views caught up (not measured);
//   2. `flowledger report DIR --out FILE` (the release binary, a child process), twice: wall
//      time, peak RSS and the file's size against the goals, and where the time went (its
//      hidden --timings: reading the views, the verifier's full replay — the same one `verify`
//      runs — and writing the page), so what the report itself adds is visible.
// Run through scripts/bench-report.sh. Results are never assertions.
import Foundation
import FlowLedger

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
        var start = nanos()
        let caughtUp = try runChild([binary, "views", directory, "parties"], stdoutPath: scratch + "/views.out", stderrPath: scratch + "/views.err")
        guard caughtUp == 0 else { throw BenchError("flowledger views exited \(caughtUp): \((try? String(contentsOfFile: scratch + "/views.err", encoding: .utf8)) ?? "")") }
        line("views catch-up", String(format: "%.2f s", seconds(since: start)))

        heading("2. flowledger report --out (child process), twice")
        let page = scratch + "/report.html"
        var best = Double.infinity, bestRSS: Int64 = 0, bestTimings = ""
        for round in 1...2 {
            start = nanos()
            let (status, rss) = try runChildMeasuringPeakRSS([binary, "report", directory, "--out", page, "--checked-at", "2026-11-30T09:00:00Z", "--timings"],
                                                            stdoutPath: scratch + "/report.out", stderrPath: scratch + "/report.err")
            let elapsed = seconds(since: start)
            let err = (try? String(contentsOfFile: scratch + "/report.err", encoding: .utf8)) ?? ""
            guard status == 0 || status == 3 else { throw BenchError("flowledger report exited \(status): \(err)") }
            let timings = err.split(separator: "\n").first { $0.hasPrefix("flowledger: timings: ") }.map { String($0.dropFirst(21)) } ?? "?"
            line("round \(round)", String(format: "%.2f s wall, peak RSS %@ (%@)", elapsed, mebibytes(rss), timings))
            if elapsed < best { best = elapsed; bestRSS = rss; bestTimings = timings }
        }
        let size = fileSize(page)

        heading("summary")
        line("report, wall time", String(format: "%9.2f s   goal ≤ 10 s: %@", best, best <= 10 ? "met" : "NOT met"))
        line("  where it went", bestTimings)
        line("report, file size", String(format: "%9.1f KiB", Double(size) / 1024) + "   goal ≤ 5 MiB: " + (size <= 5 << 20 ? "met" : "NOT met"))
        line("report, peak RSS", mebibytes(bestRSS))
        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: base) }
    }
}
