// The verifier beside the physical limit of the system, in one run:
//   1. the limit: OpenSSL's raw verify rate on one core and on all cores (RawVerifyLimit);
//   2. for each size of --entries (default 20,000 and 1,000,000: exchanges, each acknowledged
//      by its recipient), `flowledger verify --vkey` (the release binary, a child process):
//      entries per second as a share of the limit, the cores it kept busy, its peak RSS; then
//      `flowledger verify --from-checkpoint` from a checkpoint at 90% of the ledger;
//   3. the limit again, after; a summary with the ratio for each size.
// A small ledger shows the start-up cost and whether the first windows fill every core; a
// large one the steady rate and the memory bound. Each ledger is built once (signing and
// appending are not what is measured) and can be kept and reused with --ledger DIR (one
// folder per size inside). Run through scripts/bench-verify.sh. Results are never assertions.
import Foundation
import FlowLedger

struct VerifyBench {
    var suite: Suite = .ed25519SHA256
    /// Entries of each verified ledger, smallest first.
    var sizes = [20_000, 1_000_000]
    /// A directory to keep the built ledgers in (one folder per size) and reuse on later runs.
    var ledgerDirectory: String?
    /// Rounds of each verify (the best is kept).
    var rounds = 2

    init(arguments: [String]) throws {
        var rest = arguments[...]
        func number(_ flag: String) throws -> Int { try positiveNumber(after: flag, in: &rest) }
        while let argument = rest.popFirst() {
            switch argument {
            case "--sm2": suite = .sm2SM3
            case "--quick": sizes = [20_000, 100_000]; rounds = 1
            case "--entries":
                guard let text = rest.popFirst() else { throw UsageError("--entries needs sizes, e.g. 20000,1000000") }
                sizes = try text.split(separator: ",").map { part in
                    guard let value = Int(part.replacingOccurrences(of: "_", with: "")), value > 0 else {
                        throw UsageError("--entries takes positive whole numbers separated by commas, e.g. 20000,1000000")
                    }
                    return value
                }.sorted()
            case "--rounds": rounds = try number(argument)
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
            throw BenchError("\(binary) is missing; build it first (scripts/bench-verify.sh does)")
        }
        heading("verify benchmark: \(sizes.map(grouped).joined(separator: " and ")) entries, \(suite.rawValue), \(cores) cores, load \(loadAverage())")
        let base = try ledgerDirectory ?? makeTemporaryDirectory()
        var ledgers: [(entries: Int, directory: String, vkey: String, cast: StoreCast)] = []
        for entries in sizes {
            let directory = base + "/\(entries)/ledger"
            let cast = try StoreCast.reusable(for: directory, suite: suite)
            if try StoreCast.existingSize(directory) != Int64(entries) {
                try? FileManager.default.removeItem(atPath: directory)
                try cast.buildLedger(at: directory, entries: entries)
            } else {
                line("ledger", "\(directory) (reused)")
            }
            let vkeyPath = base + "/\(entries)/operator.vkey"
            try (try LedgerReader(directory: directory).checkpoints.operatorVerifierKey().string + "\n").write(toFile: vkeyPath, atomically: true, encoding: .utf8)
            ledgers.append((entries, directory, vkeyPath, cast))
        }
        let sample = try ledgers[0].cast.exchanges(0..<(suite == .sm2SM3 ? 4_000 : 16_000))
        heading("1. the limit: OpenSSL raw verify, best of 3")
        var limits: [Double] = []
        limits.append(try RawVerifyLimit.printed(cast: ledgers[0].cast, events: sample))
        // The issue's own yardstick for Ed25519, beside ours.
        var speeds: [Double] = []
        if let speed = RawVerifyLimit.printedOpensslSpeed(suite: suite) { speeds.append(speed) }

        var results: [(entries: Int, full: (rate: Double, seconds: Double, rss: Int64, cores: Double), incremental: (rate: Double, seconds: Double, rss: Int64, cores: Double)?)] = []
        for (step, ledger) in ledgers.enumerated() {
            heading("2.\(step + 1) flowledger verify --vkey on \(grouped(ledger.entries)) entries (child process), best of \(rounds)")
            let full = try verify(binary, [ledger.directory, "--vkey", ledger.vkey], expectedEntries: ledger.entries)
            var incremental: (rate: Double, seconds: Double, rss: Int64, cores: Double)?
            if let trusted = try LedgerReader(directory: ledger.directory).checkpoints.sizes().first(where: { $0 < Int64(ledger.entries) }) {
                heading("    --from-checkpoint (size \(grouped(Int(trusted))))")
                incremental = try verify(binary, [ledger.directory, "--vkey", ledger.vkey, "--from-checkpoint", ledger.directory + "/checkpoints/\(trusted).checkpoint"],
                                         expectedEntries: ledger.entries)
            }
            results.append((ledger.entries, full, incremental))
        }
        heading("3. the limit again")
        limits.append(try RawVerifyLimit.printed(cast: ledgers[0].cast, events: sample))
        if let speed = RawVerifyLimit.printedOpensslSpeed(suite: suite) { speeds.append(speed) }

        let best = limits.max()!
        heading("summary (limit = best raw verify rate on all cores = " + String(format: "%.0f /s; measured %@)", best, limits.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
        for result in results {
            let ratio = result.full.rate / best
            line("verify \(grouped(result.entries)), entries/s / limit", String(format: "%9.2f   goal ≥ 0.80: %@  (%.2f s wall, %.1f cores busy)", ratio, ratio >= 0.8 ? "met" : "NOT met", result.full.seconds, result.full.cores))
            RawVerifyLimit.printShareOfOpensslSpeed(result.full.rate, speeds: speeds, goal: 0.8)
            line("verify \(grouped(result.entries)), peak RSS", padded(mebibytes(result.full.rss)) + "   goal ≤ 128 MiB: " + (result.full.rss <= 128 << 20 ? "met" : "NOT met"))
            if let incremental = result.incremental {
                line("--from-checkpoint \(grouped(result.entries)), wall time", String(format: "%9.2f s  (full: %.2f s)", incremental.seconds, result.full.seconds))
            }
        }
        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: base) }
    }

    /// Runs `flowledger verify` `rounds` times; the best rate, its wall time, the peak RSS and
    /// the cores it kept busy.
    private func verify(_ binary: String, _ arguments: [String], expectedEntries: Int) throws -> (rate: Double, seconds: Double, rss: Int64, cores: Double) {
        var best = (rate: 0.0, seconds: 0.0, rss: Int64(0), cores: 0.0)
        let out = NSTemporaryDirectory() + "/verify-bench.out"
        for round in 1...rounds {
            let cpu = cpuSeconds(children: true)
            let start = nanos()
            let (status, rss) = try runChildMeasuringPeakRSS([binary, "verify"] + arguments, stdoutPath: out, stderrPath: out + ".err")
            let elapsed = seconds(since: start)
            let used = cpuSeconds(children: true) - cpu
            guard status == 0 else {
                throw BenchError("flowledger verify exited \(status): \((try? String(contentsOfFile: out, encoding: .utf8)) ?? "")\((try? String(contentsOfFile: out + ".err", encoding: .utf8)) ?? "")")
            }
            let rate = Double(expectedEntries) / elapsed
            rateLine("round \(round)", rate, String(format: "%.2f s wall, %.2f s CPU (%.1f cores busy), peak RSS %@", elapsed, used, used / elapsed, mebibytes(rss)))
            if rate > best.rate { best = (rate, elapsed, rss, used / elapsed) }
        }
        return best
    }

}
