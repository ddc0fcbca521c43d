// `flowledger mirror` beside the physical limit of the system, in one run:
//   1. the limit: OpenSSL's raw verify rate on one core and on all cores (RawVerifyLimit), and
//      `openssl speed -multi N ed25519` beside it;
//   2. a ledger of --entries (default 100,000: exchanges, each acknowledged by its recipient),
//      served by the release `flowledger serve --public-read` on loopback, mirrored from empty by
//      `flowledger mirror` (a child process): entries per second as a share of the limit (goal
//      ≥ 0.75), the cores it kept busy, its peak RSS (goal ≤ 128 MiB);
//   3. 1,000 more entries and a checkpoint, then the incremental mirror (goal ≤ 1 s);
//   4. the limit again; a summary.
// The ledger is built once (signing and appending are not what is measured) and can be kept and
// reused with --ledger DIR. Run through scripts/bench-mirror.sh. Results are never assertions.
import Foundation
import FlowLedger

struct MirrorBench {
    var suite: Suite = .ed25519SHA256
    /// Entries of the served ledger.
    var entries = 100_000
    /// A directory to keep the built ledger in and reuse on later runs.
    var ledgerDirectory: String?

    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--sm2": suite = .sm2SM3
            case "--entries": entries = try positiveNumber(after: argument, in: &rest)
            case "--ledger":
                guard let path = rest.popFirst() else { throw UsageError("--ledger needs a directory") }
                ledgerDirectory = path
            default: throw UsageError("unknown option \(argument)")
            }
        }
    }

    func run() async throws {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let binary = executableDirectory() + "/flowledger"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("\(binary) is missing; build it first (scripts/bench-mirror.sh does)")
        }
        heading("mirror benchmark: \(grouped(entries)) entries, \(suite.rawValue), \(cores) cores, load \(loadAverage())")
        let base = try ledgerDirectory ?? makeTemporaryDirectory()
        let directory = base + "/\(entries)/ledger"
        let cast = try StoreCast.reusable(for: directory, suite: suite)
        if try StoreCast.existingSize(directory) != Int64(entries) {
            try? FileManager.default.removeItem(atPath: directory)
            try cast.buildLedger(at: directory, entries: entries)
        } else {
            line("ledger", "\(directory) (reused)")
        }
        // The incremental step grows the ledger: mirror a copy of it, so a kept one is reusable.
        let served = base + "/\(entries)/served"
        try? FileManager.default.removeItem(atPath: served)
        try FileManager.default.copyItem(atPath: directory, toPath: served)
        let sample = try cast.exchanges(0..<(suite == .sm2SM3 ? 4_000 : 16_000))

        heading("1. the limit: OpenSSL raw verify, best of 3")
        var limits = [try RawVerifyLimit.printed(cast: cast, events: sample)]
        // OpenSSL's own figure for the machine, beside ours.
        var speeds: [Double] = []
        if let speed = RawVerifyLimit.printedOpensslSpeed(suite: suite) { speeds.append(speed) }

        heading("2. flowledger mirror of \(grouped(entries)) entries from flowledger serve on loopback (child processes)")
        let copy = base + "/\(entries)/copy"
        try? FileManager.default.removeItem(atPath: copy)
        var server = try Server(binary: binary, directory: served, scratch: base)
        let full = try mirror(binary, server.url, copy, expected: entries)
        server.stop()

        heading("3. 1,000 more entries and a checkpoint, then the incremental mirror")
        let ledger = try Ledger.open(at: served)
        let first = 10_000_000
        _ = try ledger.writer.appendBlocking(try cast.exchanges(first..<(first + 1000)))
        _ = try ledger.checkpoint(operatorKey: cast.operatorKey)
        ledger.close()
        server = try Server(binary: binary, directory: served, scratch: base)
        let incremental = try mirror(binary, server.url, copy, expected: 1000)
        server.stop()

        heading("4. the limit again")
        limits.append(try RawVerifyLimit.printed(cast: cast, events: sample))
        if let speed = RawVerifyLimit.printedOpensslSpeed(suite: suite) { speeds.append(speed) }

        let best = limits.max()!
        heading("summary (limit = best raw verify rate on all cores = " + String(format: "%.0f /s; measured %@)", best, limits.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
        let ratio = full.rate / best
        line("mirror \(grouped(entries)), entries/s", String(format: "%9.0f", full.rate))
        line("mirror \(grouped(entries)), entries/s / limit", String(format: "%9.2f   goal ≥ 0.75: %@  (%.2f s wall, %.1f cores busy)", ratio, ratio >= 0.75 ? "met" : "NOT met", full.seconds, full.cores))
        RawVerifyLimit.printShareOfOpensslSpeed(full.rate, speeds: speeds, goal: 0.75)
        line("mirror \(grouped(entries)), peak RSS", padded(mebibytes(full.rss)) + "   goal ≤ 128 MiB: " + (full.rss <= 128 << 20 ? "met" : "NOT met"))
        line("incremental mirror of 1,000, wall time", String(format: "%9.3f s  goal ≤ 1 s: %@  (peak RSS %@)", incremental.seconds, incremental.seconds <= 1 ? "met" : "NOT met", mebibytes(incremental.rss)))
        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: base) }
        else { try? FileManager.default.removeItem(atPath: served); try? FileManager.default.removeItem(atPath: copy) }
    }

    /// Runs `flowledger mirror URL COPY`; its rate over `expected` new entries, wall time, peak
    /// RSS and the cores it kept busy.
    private func mirror(_ binary: String, _ url: String, _ copy: String, expected: Int) throws -> (rate: Double, seconds: Double, rss: Int64, cores: Double) {
        let out = NSTemporaryDirectory() + "/mirror-bench.out"
        let cpu = cpuSeconds(children: true)
        let start = nanos()
        let (status, rss) = try runChildMeasuringPeakRSS([binary, "mirror", url, copy], stdoutPath: out, stderrPath: out + ".err")
        let elapsed = seconds(since: start)
        let used = cpuSeconds(children: true) - cpu
        let printed = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "") + ((try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "")
        guard status == 0 else { throw BenchError("flowledger mirror exited \(status): \(printed)") }
        line("flowledger mirror", printed.trimmingCharacters(in: .whitespacesAndNewlines))
        let rate = Double(expected) / elapsed
        rateLine("mirror", rate, String(format: "%.3f s wall, %.2f s CPU (%.1f cores busy), peak RSS %@", elapsed, used, used / elapsed, mebibytes(rss)))
        return (rate, elapsed, rss, used / elapsed)
    }

    /// A `flowledger serve DIR --public-read` child on a free loopback port.
    struct Server {
        let pid: pid_t
        let url: String

        init(binary: String, directory: String, scratch: String) throws {
            let out = scratch + "/serve.out"
            pid = try spawnChild([binary, "serve", directory, "--listen", "127.0.0.1:0", "--public-read"], stdoutPath: out, stderrPath: out + ".err")
            let start = nanos()
            while true {
                if let text = try? String(contentsOfFile: out, encoding: .utf8), let end = text.firstIndex(of: "\n") {
                    url = String(text[..<end])
                    return
                }
                guard seconds(since: start) < 120 else {
                    kill(pid, SIGKILL)
                    throw BenchError("flowledger serve printed no URL within 120 s: \((try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "")")
                }
                usleep(20_000)
            }
        }

        /// SIGTERM, and waits for it to exit.
        func stop() {
            kill(pid, SIGTERM)
            var raw: Int32 = 0
            while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
        }
    }
}
