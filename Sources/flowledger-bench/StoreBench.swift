// The store beside the physical limit of the system, all in one run:
//   1. the limit: OpenSSL's raw verify rate (PublicKey.verify) on one core and on all cores;
//   2. library appends of pre-signed events: batches from one thread (waiting for each, and
//      with two in flight), and many concurrent tasks appending one event at a time;
//   3. `flowledger append --signed` (the release binary, a child process) on the same events;
//   4. the latency of one durable append (p50, p99), beside a raw fdatasync of this disk;
//   5. proofs on a large ledger: inclusion (ProofService and the raw Merkle path), consistency;
//   6. peak RSS.
// Signing is never what is measured: events are signed beforehand, on every core. The machine
// may be shared (a VM, other builds), so rates are the best of a few rounds, limit included.
// Run through scripts/bench-store.sh (release build). Results are rates and ratios, never assertions.
import Foundation
import FlowLedger
import LedgerCore
import LedgerStore

struct StoreBench {
    var suite: Suite = .ed25519SHA256
    var quick = false
    /// Exchanges appended by each append benchmark.
    var events = 100_000
    /// Concurrent tasks appending one event at a time.
    var tasks = 64
    /// Events per batch in the batched benchmarks.
    var batch = 1000
    /// Rounds of each append benchmark (a fresh ledger each); the best is kept.
    var rounds = 3
    /// Sequential single appends timed for latency.
    var latencyAppends = 1000
    /// Entries of the ledger the proofs are made on.
    var proofEntries = 1_000_000
    /// Inclusion proofs timed (each way); consistency proofs are a tenth of this.
    var proofs = 10_000
    /// Keep the temporary ledgers (their directory is printed).
    var keep = false

    /// At most this many events are signed at a time while building the proof ledger (memory).
    let buildChunk = 50_000
    /// Events per `appendBlocking` batch while building the proof ledger.
    let buildBatch = 8192

    init(arguments: [String]) throws {
        var explicit: Set<String> = []
        var rest = arguments[...]
        func number(_ flag: String) throws -> Int {
            guard let text = rest.popFirst() else { throw UsageError("\(flag) needs a number") }
            guard let value = Int(text.replacingOccurrences(of: "_", with: "")), value > 0 else {
                throw UsageError("\(flag) needs a positive whole number, not \(text)")
            }
            explicit.insert(flag)
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--sm2": suite = .sm2SM3
            case "--quick": quick = true
            case "--keep": keep = true
            case "--events": events = try number(argument)
            case "--tasks": tasks = try number(argument)
            case "--batch": batch = try number(argument)
            case "--rounds": rounds = try number(argument)
            case "--latency-appends": latencyAppends = try number(argument)
            case "--proof-entries": proofEntries = try number(argument)
            case "--proofs": proofs = try number(argument)
            default: throw UsageError("store: unknown argument \(argument)")
            }
        }
        // SM2 verifies about 4x slower than Ed25519 and signs slower still: smaller defaults keep
        // the run within minutes. --quick shrinks every size about 10x, for a smoke run.
        let scale = (suite == .sm2SM3 ? 5 : 1) * (quick ? 10 : 1)
        if !explicit.contains("--events") { events /= scale }
        if !explicit.contains("--rounds") && quick { rounds = 1 }
        if !explicit.contains("--latency-appends") { latencyAppends = max(50, latencyAppends / (quick ? 10 : 1)) }
        if !explicit.contains("--proof-entries") { proofEntries /= scale }
        if !explicit.contains("--proofs") { proofs /= (quick ? 10 : 1) }
        latencyAppends = min(latencyAppends, events)
        let scene = 5  // genesis and the scene
        guard proofEntries > scene + 1 else { throw UsageError("--proof-entries must be more than \(scene + 1) (the scene takes \(scene) entries)") }
    }

    /// The numbers the summary compares.
    private struct Results {
        /// Best all-core verify rates, at the start and again before the proof ledger.
        var verifyAllCores: [Double] = []
        var batched = 0.0
        var pipelined = 0.0
        var concurrent = 0.0
        var cli: Double?
        var p50 = 0.0
        var p99 = 0.0
        var rawSyncP50 = 0.0
        var buildRate = 0.0
        var serviceInclusion = 0.0
        var rawInclusion = 0.0
        var rawConsistency = 0.0
        var serviceConsistency: Double?

        /// The limit the ratios use: the best all-core verify rate seen in the run (the best is
        /// the least disturbed measurement; it keeps every ratio conservative).
        var limit: Double { verifyAllCores.max() ?? .nan }
    }

    func run() async throws {
        let work = try makeTemporaryDirectory()
        defer {
            if keep {
                print("\nkept the ledgers in \(work)")
            } else {
                try? FileManager.default.removeItem(atPath: work)
            }
        }
        let cores = ProcessInfo.processInfo.activeProcessorCount
        print("flowledger store benchmark: suite \(suite.rawValue), \(cores) cores, fsync per batch (the default)\(quick ? ", quick run" : "")")
        print("sizes: \(grouped(events)) events per append run (best of \(rounds)), \(tasks) tasks, batches of \(grouped(batch)), "
              + "\(grouped(latencyAppends)) timed appends, proof ledger of \(grouped(proofEntries)) entries, "
              + "\(grouped(proofs)) inclusion / \(grouped(max(1, proofs / 10))) consistency proofs")
        print("work directory: \(work); load average at start: \(loadAverage())")

        var results = Results()
        let cast = try StoreCast(suite: suite)

        heading("pre-signing (not measured against the limit)")
        let start = nanos()
        let signed = try cast.exchanges(0..<events)
        let signSeconds = seconds(since: start)
        rateLine("sign exchange.sent, all cores", Double(events) / signSeconds, "(\(grouped(events)) events in " + String(format: "%.2f s)", signSeconds))

        let verifyName = suite == .sm2SM3 ? "SM2" : "Ed25519"
        heading("1. the limit: OpenSSL raw \(verifyName) verify (PublicKey.verify) of the pre-signed events, best of 3")
        try measureLimit(cast: cast, events: signed, cores: cores, into: &results)
        try await measureAppends(cast: cast, events: signed, work: work, into: &results)
        try measureCLI(cast: cast, events: signed, work: work, into: &results)
        try measureLatency(cast: cast, events: signed, work: work, into: &results)
        heading("1 (again). the limit, measured again after the appends")
        try measureLimit(cast: cast, events: signed, cores: cores, into: &results)
        try measureProofs(cast: cast, work: work, into: &results)
        summary(results, cores: cores)
    }

    // MARK: - 1. The limit

    /// OpenSSL's raw verify rate on one core and on all cores (``RawVerifyLimit``), printed and kept.
    private func measureLimit(cast: StoreCast, events: [SignedEvent], cores: Int, into results: inout Results) throws {
        let count = min(events.count, suite == .sm2SM3 ? 4_000 : 16_000)
        let (one, all, verified) = try RawVerifyLimit.measure(events: Array(events.prefix(count)), origin: cast.origin,
                                                              key: cast.providerKey.publicKey, minimumSeconds: quick ? 0.4 : 1.5)
        results.verifyAllCores.append(all)
        rateLine("verify, one core", one, "(\(grouped(verified.one)) verifies in 3 rounds)")
        rateLine("verify, all \(cores) cores (the limit)", all,
                 "(\(grouped(verified.all)) verifies in 3 rounds; " + String(format: "%.0f per core, %.2fx one core)", all / Double(cores), all / one))
    }

    // MARK: - 2. Library appends

    /// Runs `body` on a fresh ledger `rounds` times; prints and returns the best rate.
    private func bestOf(_ name: String, cast: StoreCast, count: Int, work: String, _ body: (Ledger) async throws -> Void) async throws -> Double {
        var rates: [Double] = []
        var best: (rate: Double, elapsed: Double, cpu: Double) = (0, 0, 0)
        for round in 0..<rounds {
            let directory = work + "/appends-\(round)"
            let ledger = try cast.createLedger(at: directory)
            let cpu = cpuSeconds()
            let start = nanos()
            try await body(ledger)
            let elapsed = seconds(since: start)
            let used = cpuSeconds() - cpu
            let size = ledger.size
            ledger.close()
            try FileManager.default.removeItem(atPath: directory)
            let expected = Int64(cast.setUpEntries + count)
            guard size == expected else { throw BenchError("\(name): the ledger has \(size) entries, expected \(expected)") }
            let rate = Double(count) / elapsed
            rates.append(rate)
            if rate > best.rate { best = (rate, elapsed, used) }
        }
        let others = rates.count > 1 ? "; rounds " + rates.map { String(format: "%.0f", $0) }.joined(separator: ", ") : ""
        rateLine(name, best.rate, spent(count, best.elapsed, cpu: best.cpu).dropLast() + others + ")")
        return best.rate
    }

    private func measureAppends(cast: StoreCast, events: [SignedEvent], work: String, into results: inout Results) async throws {
        heading("2. library appends of the pre-signed exchange.sent events, best of \(rounds) (fresh ledger each)")
        let count = events.count
        let batch = self.batch
        let batches = stride(from: 0, to: count, by: batch).map { Array(events[$0..<min(count, $0 + batch)]) }

        // (a) one thread, one batch at a time: appendBlocking returns once the batch is durable
        results.batched = try await bestOf("appendBlocking, batches of \(grouped(batch))", cast: cast, count: count, work: work) { ledger in
            for events in batches { _ = try ledger.writer.appendBlocking(events) }
        }
        // (b) one thread, two batches in flight: the next batch's signatures are checked while
        // the one before it is written and synced
        results.pipelined = try await bestOf("submit(after:), 2 batches in flight", cast: cast, count: count, work: work) { ledger in
            var previous: AppendTicket?
            for events in batches {
                let ticket = ledger.writer.submit(events, after: previous)
                _ = try previous?.wait()
                previous = ticket
            }
            _ = try previous?.wait()
        }
        // (c) many tasks, one event per append: the writer commits what is waiting as one group
        let tasks = self.tasks
        results.concurrent = try await bestOf("append, \(tasks) tasks x 1 event", cast: cast, count: count, work: work) { ledger in
            try await withThrowingTaskGroup(of: Void.self) { group in
                for task in 0..<tasks {
                    group.addTask {
                        var next = task
                        while next < count {
                            _ = try await ledger.append(events[next])
                            next += tasks
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
    }

    // MARK: - 3. The CLI

    private func measureCLI(cast: StoreCast, events: [SignedEvent], work: String, into results: inout Results) throws {
        heading("3. `flowledger append DIR --signed FILE` (release binary, child process, one run)")
        let binary = executableDirectory() + "/flowledger"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            print("skipped: \(binary) is not built (swift build -c release --product flowledger)")
            return
        }
        let input = work + "/signed.jsonl"
        let lines = try parallelMap(events.count) { String(decoding: CanonicalJSON.encode(events[$0].json), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let directory = work + "/cli"
        try cast.createLedger(at: directory).close()
        let receipts = work + "/cli-receipts.jsonl"
        let errors = work + "/cli-stderr.txt"
        let cpu = cpuSeconds(children: true)
        let start = nanos()
        let status = try runChild([binary, "append", directory, "--signed", input], stdoutPath: receipts, stderrPath: errors)
        let elapsed = seconds(since: start)
        let childCPU = cpuSeconds(children: true) - cpu
        guard status == 0 else {
            let message = (try? String(contentsOfFile: errors, encoding: .utf8)) ?? ""
            print("FAILED: flowledger exited \(status): \(message.trimmingCharacters(in: .whitespacesAndNewlines))")
            return
        }
        let printed = try countLines(receipts)
        guard printed == events.count else {
            print("FAILED: flowledger printed \(printed) receipts for \(events.count) lines")
            return
        }
        let rate = Double(events.count) / elapsed
        results.cli = rate
        rateLine("append --signed, process start to exit", rate, spent(events.count, elapsed, cpu: childCPU))
        line("  input", padded(mebibytes(fileSize(input))) + "   (\(grouped(events.count)) lines, default --batch-lines)")
        try FileManager.default.removeItem(atPath: directory)
    }

    // MARK: - 4. Latency

    private func measureLatency(cast: StoreCast, events: [SignedEvent], work: String, into results: inout Results) throws {
        heading("4. one durable append: \(grouped(latencyAppends)) sequential appendBlocking([event])")
        let ledger = try cast.createLedger(at: work + "/latency")
        var samples: [Double] = []
        samples.reserveCapacity(latencyAppends)
        for index in 0..<latencyAppends {
            let start = nanos()
            _ = try ledger.writer.appendBlocking([events[index]])
            samples.append(Double(nanos() - start) / 1e6)
        }
        ledger.close()
        samples.sort()
        results.p50 = quantile(samples, 0.5)
        results.p99 = quantile(samples, 0.99)
        line("append latency p50 / p99 / max", String(format: "%9.3f / %.3f / %.3f ms", results.p50, results.p99, samples.last ?? .nan))
        let raw = try rawSyncLatencies(directory: work, count: latencyAppends).sorted()
        results.rawSyncP50 = quantile(raw, 0.5)
        line("disk: 4 KiB pwrite + fdatasync p50 / p99", String(format: "%9.3f / %.3f ms", results.rawSyncP50, quantile(raw, 0.99)))
    }

    // MARK: - 5. Proofs on a large ledger

    private func measureProofs(cast: StoreCast, work: String, into results: inout Results) throws {
        heading("5. proofs on a ledger of \(grouped(proofEntries)) entries")
        let directory = work + "/proofs"
        let ledger = try cast.createLedger(at: directory)
        let exchanges = proofEntries - cast.setUpEntries
        var signSeconds = 0.0
        var appendSeconds = 0.0
        var appendCPU = 0.0
        var chunkRates: [Double] = []
        var middle: Int64?
        // Chunks small enough that one ends near the middle, where a checkpoint is published
        // for the consistency proofs.
        let chunks = max(10, (exchanges + buildChunk - 1) / buildChunk)
        let chunkSize = (exchanges + chunks - 1) / chunks
        let buildStart = nanos()
        var next = 0
        while next < exchanges {
            let end = min(exchanges, next + chunkSize)
            var start = nanos()
            let chunk = try cast.exchanges(next..<end)
            signSeconds += seconds(since: start)
            let cpu = cpuSeconds()
            start = nanos()
            var index = 0
            while index < chunk.count {
                let last = min(chunk.count, index + buildBatch)
                _ = try ledger.writer.appendBlocking(Array(chunk[index..<last]))
                index = last
            }
            let elapsed = seconds(since: start)
            appendSeconds += elapsed
            appendCPU += cpuSeconds() - cpu
            chunkRates.append(Double(chunk.count) / elapsed)
            next = end
            if middle == nil && ledger.size >= Int64(proofEntries / 2) {
                middle = try ledger.checkpoint(operatorKey: cast.operatorKey).checkpoint.size
            }
        }
        let buildSeconds = seconds(since: buildStart)
        var start = nanos()
        let checkpoint = try ledger.checkpoint(operatorKey: cast.operatorKey).checkpoint
        let checkpointSeconds = seconds(since: start)
        ledger.close()
        let size = checkpoint.size
        guard size == Int64(proofEntries) else { throw BenchError("the proof ledger has \(size) entries, expected \(proofEntries)") }
        results.buildRate = Double(exchanges) / appendSeconds
        line("build (sign + append)", String(format: "%9.1f s   (sign %.1f s, append %.1f s)", buildSeconds, signSeconds, appendSeconds))
        rateLine("  append, batches of \(grouped(buildBatch))", results.buildRate, spent(exchanges, appendSeconds, cpu: appendCPU))
        if chunkRates.count > 1 {
            line("  append rate, first / last \(grouped(chunkSize))", String(format: "%12.0f / %.0f /s", chunkRates[0], chunkRates[chunkRates.count - 1]))
        }
        line("checkpoint of \(grouped(Int(size))) entries", String(format: "%9.3f ms", checkpointSeconds * 1e3))
        let total = directorySize(directory)
        line("on disk", padded(mebibytes(total)) + String(format: "   (%.0f bytes per entry)", Double(total) / Double(size)))
        for part in ["log", "index", "checkpoints"] {
            line("  \(part)/", padded(mebibytes(directorySize(directory + "/" + part))))
        }

        let reader = try LedgerReader(directory: directory)
        let service = ProofService(reader: reader)
        var random = SplitMix64(seed: 2026)
        let seqs = (0..<proofs).map { _ in Int64.random(in: 0..<size, using: &random) }
        let consistencyCount = max(1, proofs / 10)
        let olds = (0..<consistencyCount).map { _ in Int64.random(in: 1..<size, using: &random) }

        start = nanos()
        for seq in seqs { _ = try service.inclusionProof(seq: seq, checkpointSize: size) }
        results.serviceInclusion = seconds(since: start) * 1e6 / Double(seqs.count)
        line("inclusion, ProofService (checked tlog-proof)", String(format: "%9.1f µs per proof", results.serviceInclusion) + "   (\(grouped(seqs.count)) random seqs)")

        start = nanos()
        var pathHashes = 0
        for seq in seqs { pathHashes += try reader.inclusionProof(seq: seq, size: size).count }
        results.rawInclusion = seconds(since: start) * 1e6 / Double(seqs.count)
        line("inclusion, raw Merkle path (stored hashes)", String(format: "%9.1f µs per proof   (%.1f hashes per path)", results.rawInclusion,
                                                                Double(pathHashes) / Double(seqs.count)))

        start = nanos()
        for old in olds { _ = try reader.consistencyProof(old: old, new: size) }
        results.rawConsistency = seconds(since: start) * 1e6 / Double(olds.count)
        line("consistency, raw Merkle path", String(format: "%9.1f µs per proof", results.rawConsistency)
             + "   (\(grouped(olds.count)) random old sizes → \(grouped(Int(size))))")

        if let middle {
            start = nanos()
            for _ in 0..<consistencyCount { _ = try service.consistencyProof(old: middle, new: size) }
            let micros = seconds(since: start) * 1e6 / Double(consistencyCount)
            results.serviceConsistency = micros
            line("consistency, ProofService (2 checkpoints)", String(format: "%9.1f µs per proof", micros)
                 + "   (\(grouped(Int(middle))) → \(grouped(Int(size))), checked against both)")
        }
    }

    // MARK: - Summary
    /// "(N in X s, C cores busy)": what a step took and how many cores it kept busy on average.
    private func spent(_ count: Int, _ elapsed: Double, cpu: Double) -> String {
        "(\(grouped(count)) in " + String(format: "%.2f s, %.2f cores busy)", elapsed, cpu / elapsed)
    }

    private func summary(_ results: Results, cores: Int) {
        let limit = results.limit
        func ratio(_ rate: Double) -> String { String(format: "%9.2f", rate / limit) }
        func goal(_ met: Bool) -> String { met ? "met" : "NOT met" }
        heading("summary (\(suite.rawValue), \(cores) cores; the limit = best raw verify rate on all cores = "
                + String(format: "%.0f /s; measured ", limit) + results.verifyAllCores.map { String(format: "%.0f", $0) }.joined(separator: ", ") + ")")
        line("batched appends / limit", ratio(results.batched) + "   goal ≥ 0.80: \(goal(results.batched / limit >= 0.8))")
        line("batched, 2 in flight / limit", ratio(results.pipelined))
        line("\(tasks) concurrent tasks / limit", ratio(results.concurrent))
        line("CLI append --signed / limit", results.cli.map(ratio) ?? "      n/a")
        line("bulk build, batches of \(grouped(buildBatch)) / limit", ratio(results.buildRate))
        line("durable append latency p50 / p99", String(format: "%9.3f / %.3f ms (disk fdatasync p50 %.3f ms)", results.p50, results.p99, results.rawSyncP50))
        let worst = max(results.serviceInclusion, results.rawInclusion, results.rawConsistency, results.serviceConsistency ?? 0)
        line("proofs: inclusion service / raw", String(format: "%9.1f / %.1f µs", results.serviceInclusion, results.rawInclusion))
        line("proofs: consistency raw / service", String(format: "%9.1f / ", results.rawConsistency)
             + (results.serviceConsistency.map { String(format: "%.1f", $0) } ?? "n/a") + " µs   goal ≤ 1 ms each: \(goal(worst <= 1000))")
        line("peak RSS (VmHWM)", padded(peakRSS()))
        print("load average at end: \(loadAverage())")
    }
}
