// Benchmarks of FlowLedger beside the physical limit of the system, OpenSSL's raw signature
// verification, measured in the same run. Release builds only; results are rates and ratios,
// never test assertions.
//
//   flowledger-bench [core] [--sm2]     the core's hot paths on one core (scripts/bench-core.sh)
//   flowledger-bench store [options]    the store: appends, the CLI, latency, proofs (scripts/bench-store.sh)
//   flowledger-bench verify [options]   `flowledger verify` on a large ledger, peak RSS (scripts/bench-verify.sh)
//   flowledger-bench tail [options]     append -> `tail -f` latency, idle CPU of a follower (scripts/bench-tail.sh)
//   flowledger-bench views [options]    the projector's catch-up rate and views.sqlite size (scripts/bench-views.sh)
//   flowledger-bench open [options]     opening a large ledger: one append, checkpoint, after a lost or killed snapshot (scripts/bench-open.sh)
//   flowledger-bench report [options]   `flowledger report` on a large ledger with current views: time, file size (scripts/bench-report.sh)
//   flowledger-bench service [options]  `flowledger serve` on loopback beside the local append rate (scripts/bench-service.sh)
//   flowledger-bench mirror [options]   `flowledger mirror` from a served ledger: rate, peak RSS, incremental time (scripts/bench-mirror.sh)
//   flowledger-bench history [options]  the writer's history file as it grows: one write of rows, lookups (scripts/bench-history.sh)
//
// With no subcommand it runs `core`, so scripts/bench-core.sh keeps working unchanged.
import Foundation

var arguments = Array(CommandLine.arguments.dropFirst())
let command = arguments.first.flatMap { ["core", "store", "verify", "tail", "views", "open", "report", "service", "mirror", "postgres", "history"].contains($0) ? $0 : nil } ?? "core"
if arguments.first == command { arguments.removeFirst() }

do {
    switch command {
    case "store":
        try await StoreBench(arguments: arguments).run()
    case "verify":
        try await VerifyBench(arguments: arguments).run()
    case "tail":
        try TailBench(arguments: arguments).run()
    case "views":
        try await ViewsBench(arguments: arguments).run()
    case "open":
        try OpenBench(arguments: arguments).run()
    case "report":
        try ReportBench(arguments: arguments).run()
    case "service":
        try await ServiceBench(arguments: arguments).run()
    case "mirror":
        try await MirrorBench(arguments: arguments).run()
    case "postgres":
        try await PostgresBench(arguments: arguments).run()
    case "history":
        try HistoryBench(arguments: arguments).run()
    default:
        try CoreBench.run(arguments: arguments)
    }
} catch let error as UsageError {
    FileHandle.standardError.write(Data("flowledger-bench: \(error.message)\n\n\(usage)\n".utf8))
    exit(2)
} catch {
    FileHandle.standardError.write(Data("flowledger-bench: \(error)\n".utf8))
    exit(1)
}
