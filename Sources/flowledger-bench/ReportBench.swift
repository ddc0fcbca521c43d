// `flowledger report` on a large ledger whose views are current (issue 16: ≤ 10 s and a file
// of ≤ 5 MiB on 1,000,000 entries, aggregating with counts), in one run:
//   1. the ledger (--entries, default 1,000,000: exchanges, each acknowledged; --open: never
//      acknowledged, so every exchange is overdue and the attention table is as long as it gets),
//      built once and reusable with --ledger DIR, and its views caught up (not measured);
//   2. yesterday's report: `flowledger report COPY --out FILE --remember RECORD` (the release
//      binary, a child process) of a copy holding the ledger's first 99%, no record yet: a full
//      verification (what `verify` costs), which leaves RECORD and its state;
//   3. today's report of the whole ledger from yesterday's RECORD, twice (RECORD restored each
//      time): the last 1% of the signatures verified, the rest rehashed against its root;
//   4. the same again with nothing new.
//   Each: wall time, peak RSS, where the time went (the hidden --timings: reading the views, the
//   verifier's replay, writing the page); the goal (≤ 10 s) is judged on 3, and the page's size
//   (≤ 5 MiB).
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
        let start = nanos()
        let caughtUp = try runChild([binary, "views", directory, "parties"], stdoutPath: scratch + "/views.out", stderrPath: scratch + "/views.err")
        guard caughtUp == 0 else { throw BenchError("flowledger views exited \(caughtUp): \((try? String(contentsOfFile: scratch + "/views.err", encoding: .utf8)) ?? "")") }
        line("views catch-up", String(format: "%.2f s", seconds(since: start)))

        let page = scratch + "/report.html"
        let record = scratch + "/verified"
        /// One `flowledger report LEDGER --out page --remember record` in a child process.
        func report(_ label: String, of ledger: String) throws -> (seconds: Double, rss: Int64, timings: String) {
            let start = nanos()
            let (status, rss) = try runChildMeasuringPeakRSS([binary, "report", ledger, "--out", page, "--remember", record, "--checked-at", "2026-11-30T09:00:00Z", "--timings"],
                                                            stdoutPath: scratch + "/report.out", stderrPath: scratch + "/report.err")
            let elapsed = seconds(since: start)
            let err = (try? String(contentsOfFile: scratch + "/report.err", encoding: .utf8)) ?? ""
            guard status == 0 || status == 3 else { throw BenchError("flowledger report exited \(status): \(err)") }
            let timings = err.split(separator: "\n").first { $0.hasPrefix("flowledger: timings: ") }.map { String($0.dropFirst(21)) } ?? "?"
            line(label, String(format: "%.2f s wall, peak RSS %@ (%@)", elapsed, mebibytes(rss), timings))
            return (elapsed, rss, timings)
        }

        // Yesterday the log held all but its last 1%: a copy of its first entries.
        let verifiedBefore = entries - entries / 100
        let yesterday = scratch + "/yesterday"
        try copyLedger(directory, firstEntries: verifiedBefore, to: yesterday)
        heading("2. yesterday's report: \(grouped(verifiedBefore)) entries, no record yet (every signature verified, as verify does; its views projected too)")
        let first = try report("yesterday's report", of: yesterday)
        for suffix in ["", ".state"] { try FileManager.default.copyItem(atPath: record + suffix, toPath: record + ".yesterday" + suffix) }

        heading("3. today's report, twice: \(grouped(entries - verifiedBefore)) new entries since the record")
        var best = (seconds: Double.infinity, rss: Int64(0), timings: "")
        for round in 1...2 {
            for suffix in ["", ".state"] {
                try? FileManager.default.removeItem(atPath: record + suffix)
                try FileManager.default.copyItem(atPath: record + ".yesterday" + suffix, toPath: record + suffix)
            }
            let result = try report("round \(round)", of: directory)
            if result.seconds < best.seconds { best = result }
        }

        heading("4. the same report again, nothing new: the record covers every entry")
        let again = try report("again", of: directory)
        let size = fileSize(page)

        heading("summary")
        line("first report (full verification)", String(format: "%9.2f s   (%@ entries; bounded by the signatures: verify costs as much)", first.seconds, grouped(verifiedBefore)))
        line("daily report, 1% new", String(format: "%9.2f s   goal ≤ 10 s: %@", best.seconds, best.seconds <= 10 ? "met" : "NOT met"))
        line("  where it went", best.timings)
        line("made again, nothing new", String(format: "%9.2f s", again.seconds))
        line("report, file size", String(format: "%9.1f KiB", Double(size) / 1024) + "   goal ≤ 5 MiB: " + (size <= 5 << 20 ? "met" : "NOT met"))
        line("report, peak RSS", mebibytes(Swift.max(first.rss, again.rss, best.rss)))
        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: base) }
    }

    /// A copy of the ledger at `source` holding only its first `count` entries (its segments up
    /// to the one that holds entry `count`, cut after the line before it; no checkpoints).
    private func copyLedger(_ source: String, firstEntries count: Int, to target: String) throws {
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(atPath: target + "/log", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: target + "/checkpoints", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: source + "/ledger.json", toPath: target + "/ledger.json")
        let segments = try FileManager.default.contentsOfDirectory(atPath: source + "/log").filter { $0.hasSuffix(".jsonl") }.sorted()
        for (index, name) in segments.enumerated() {
            guard let first = Int(name.dropLast(6)), first < count else { break }
            let next = index + 1 < segments.count ? Int(segments[index + 1].dropLast(6)) ?? Int.max : Int.max
            if next <= count {
                try FileManager.default.copyItem(atPath: source + "/log/" + name, toPath: target + "/log/" + name)
                continue
            }
            let data = try Data(contentsOf: URL(fileURLWithPath: source + "/log/" + name))
            var kept = 0, end = data.startIndex
            while kept < count - first, let newline = data[end...].firstIndex(of: UInt8(ascii: "\n")) {
                end = newline + 1
                kept += 1
            }
            try data[..<end].write(to: URL(fileURLWithPath: target + "/log/" + name))
        }
    }
}
