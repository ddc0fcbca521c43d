// The verifier beside the physical limit of the system, in one run:
//   1. the limit: OpenSSL's raw verify rate on one core and on all cores (RawVerifyLimit);
//   2. `flowledger verify --vkey` (the release binary, a child process) on a ledger of
//      --entries entries (default 1,000,000: exchanges, each acknowledged by its recipient),
//      entries per second as a share of the limit, and the child's peak RSS;
//   3. `flowledger verify --from-checkpoint` from a checkpoint at 90% of the ledger;
//   4. the limit again, after.
// The ledger is built once (signing and appending are not what is measured) and can be kept and
// reused with --ledger DIR. Run through scripts/bench-verify.sh. Results are never assertions.
import Foundation
import FlowLedger

struct VerifyBench {
    var suite: Suite = .ed25519SHA256
    /// Entries of the verified ledger.
    var entries = 1_000_000
    /// A ledger directory to build once and reuse on later runs.
    var ledgerDirectory: String?
    /// Rounds of each verify (the best is kept).
    var rounds = 2

    init(arguments: [String]) throws {
        var rest = arguments[...]
        func number(_ flag: String) throws -> Int {
            guard let text = rest.popFirst(), let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
                throw UsageError("\(flag) needs a positive whole number")
            }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--sm2": suite = .sm2SM3
            case "--quick": entries = 100_000; rounds = 1
            case "--entries": entries = try number(argument)
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
        heading("verify benchmark: \(grouped(entries)) entries, \(suite.rawValue), \(cores) cores, load \(loadAverage())")
        let directory = try ledgerDirectory ?? (makeTemporaryDirectory() + "/ledger")
        let cast = try StoreCast.reusable(for: directory, suite: suite)
        if try StoreCast.existingSize(directory) != Int64(entries) {
            try? FileManager.default.removeItem(atPath: directory)
            try cast.buildLedger(at: directory, entries: entries)
        } else {
            line("ledger", "\(directory) (reused)")
        }
        let sample = try cast.exchanges(0..<(suite == .sm2SM3 ? 4_000 : 16_000))
        heading("1. the limit: OpenSSL raw verify, best of 3")
        var limits: [Double] = []
        limits.append(try RawVerifyLimit.printed(cast: cast, events: sample))

        let vkeyPath = URL(fileURLWithPath: directory).deletingLastPathComponent().path + "/operator.vkey"
        try (try LedgerReader(directory: directory).checkpoints.operatorVerifierKey().string + "\n").write(toFile: vkeyPath, atomically: true, encoding: .utf8)
        heading("2. flowledger verify --vkey (child process), best of \(rounds)")
        let full = try verify(binary, [directory, "--vkey", vkeyPath], expectedEntries: entries)

        let trusted = try LedgerReader(directory: directory).checkpoints.sizes().first { $0 < Int64(entries) }
        var incremental: (rate: Double, seconds: Double, rss: Int64)?
        if let trusted {
            heading("3. flowledger verify --from-checkpoint (size \(grouped(Int(trusted))))")
            incremental = try verify(binary, [directory, "--vkey", vkeyPath, "--from-checkpoint", directory + "/checkpoints/\(trusted).checkpoint"],
                                     expectedEntries: entries)
        }
        heading("4. the limit again")
        limits.append(try RawVerifyLimit.printed(cast: cast, events: sample))

        let best = limits.max()!
        heading("summary (limit = best raw verify rate on all cores = " + String(format: "%.0f /s; measured %@)", best, limits.map { String(format: "%.0f", $0) }.joined(separator: ", ")))
        line("verify, entries/s / limit", String(format: "%9.2f   goal ≥ 0.80: %@", full.rate / best, full.rate / best >= 0.8 ? "met" : "NOT met"))
        line("verify, peak RSS", padded(mebibytes(full.rss)) + "   goal ≤ 128 MiB for 1,000,000 entries: " + (full.rss <= 128 << 20 ? "met" : "NOT met"))
        if let incremental {
            line("--from-checkpoint, wall time", String(format: "%9.2f s  (full: %.2f s)", incremental.seconds, full.seconds))
        }
        if ledgerDirectory == nil { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path) }
    }

    /// Runs `flowledger verify` `rounds` times; the best rate, its wall time and the peak RSS.
    private func verify(_ binary: String, _ arguments: [String], expectedEntries: Int) throws -> (rate: Double, seconds: Double, rss: Int64) {
        var best = (rate: 0.0, seconds: 0.0, rss: Int64(0))
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
            if rate > best.rate { best = (rate, elapsed, rss) }
        }
        return best
    }

}
