// The PostgreSQL store (scripts/bench-postgres.sh, which starts a primary and a synchronous
// standby on loopback and passes them here), each figure beside what it is measured against:
//   1. OpenSSL's raw verify rate on every core (the machine's limit);
//   2. `flowledger serve DIR` (segment files): 16 clients × batches of 100 signed events;
//   3. `flowledger serve --store` on the primary with its synchronous standby: the same, as a
//      ratio to step 2 (goal ≥ 0.7);
//   4. writer takeover: a new `flowledger append --store` process appending one event to a
//      ledger of N entries (1,000,000 by default), from its start to its exit (goal ≤ 5 s);
//   5. failover: 8 clients appending one event per request; the primary is SIGKILLed, the
//      standby promoted; the time from the kill to the first receipt of an append sent after it
//      (goal ≤ 10 s).
// Results are figures, never assertions.
import Foundation
import FlowLedger
import LedgerCore
import LedgerPostgres
import LedgerStore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

struct PostgresBench {
    /// Events appended in steps 2 and 3.
    var events = 40_000
    /// Entries of the ledger a new writer takes over in step 4.
    var takeoverEntries = 1_000_000
    /// The primary's and the standby's `postgres://…/DATABASE` URLs (the same database).
    var primary = ""
    var standby = ""
    /// The database of step 4 on the primary.
    var takeoverDatabase = ""
    /// The standby's data directory (promoted in step 5) and PostgreSQL's bin directory.
    var standbyData = ""
    var pgBin = ""
    /// Run PostgreSQL's programs as the `postgres` user (the bench runs as root).
    var asPostgres = false

    init(arguments: [String]) throws {
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let value = rest.popFirst() else { throw UsageError("\(flag) needs a value") }
            return value
        }
        while let argument = rest.popFirst() {
            switch argument {
            case "--events": events = try positiveNumber(after: argument, in: &rest)
            case "--takeover-entries": takeoverEntries = try positiveNumber(after: argument, in: &rest)
            case "--primary": primary = try value(argument)
            case "--standby": standby = try value(argument)
            case "--takeover-database": takeoverDatabase = try value(argument)
            case "--standby-data": standbyData = try value(argument)
            case "--pg-bin": pgBin = try value(argument)
            case "--as-postgres": asPostgres = true
            case "--quick": (events, takeoverEntries) = (4000, 100_000)
            default: throw UsageError("unknown option \(argument)")
            }
        }
        guard !primary.isEmpty, !standby.isEmpty, !takeoverDatabase.isEmpty, !standbyData.isEmpty, !pgBin.isEmpty else {
            throw UsageError("run through scripts/bench-postgres.sh, which starts the clusters and passes --primary, --standby, --takeover-database, --standby-data and --pg-bin")
        }
    }

    func run() async throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let binary = executableDirectory() + "/flowledger"
        let cast = try StoreCast(suite: .ed25519SHA256)
        let service = try ServiceBench(arguments: [])
        let operatorKey = work + "/operator.pem"
        try service.writeKey(cast.operatorKey, to: operatorKey)
        print("the PostgreSQL store: ed25519-sha256, \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(loadAverage())")
        print("signing \(grouped(2 * events)) events beforehand on every core…")
        let signed = try cast.exchanges(0..<(2 * events))

        heading("1. the limit: OpenSSL's Ed25519 verify on every core")
        let limit = try RawVerifyLimit.printed(cast: cast, events: Array(signed.prefix(20_000)))

        heading("2. serve DIR (segment files): 16 clients × batches of 100")
        let directory = work + "/served"
        try cast.createLedger(at: directory).close()
        let segmentRate: Double
        do {
            let server = try ServedChild(binary: binary, arguments: ["serve", directory, "--listen", "127.0.0.1:0", "--rate", "100000000/s",
                                                                     "--operator-key", operatorKey], work: work, name: "serve-dir")
            defer { server.stop() }
            let run = try await service.appendConcurrently(url: server.url, key: cast.providerKey, events: Array(signed.prefix(events)), clients: 16, batch: 100,
                                                           trustRoots: [], server: server)
            segmentRate = run.rate
            rateLine("segment files", run.rate, String(format: "%.2f of the limit", run.rate / limit))
            line("  CPU", run.cpu)
        }

        heading("3. serve --store: PostgreSQL, synchronous standby on this machine")
        try create(cast, at: primary)
        let hosts = try PostgresAddress(primary).hosts + PostgresAddress(standby).hosts
        let address = try PostgresAddress(primary)
        let store = "postgres://\(address.user)@\(hosts.map { "\($0.name):\($0.port)" }.joined(separator: ","))/\(address.database)"
        let server = try ServedChild(binary: binary, arguments: ["serve", "--store", store, "--listen", "127.0.0.1:0", "--rate", "100000000/s",
                                                                 "--operator-key", operatorKey], work: work, name: "serve-pg")
        defer { server.stop() }
        let run = try await service.appendConcurrently(url: server.url, key: cast.providerKey, events: Array(signed.suffix(events)), clients: 16, batch: 100,
                                                       trustRoots: [], server: server)
        rateLine("PostgreSQL", run.rate, String(format: "%.2f of the segment files (goal ≥ 0.7), %.2f of the limit", run.rate / segmentRate, run.rate / limit))
        line("  CPU", run.cpu)

        heading("4. writer takeover: a new process appends one event to \(grouped(takeoverEntries)) entries")
        try await takeover(cast: cast, binary: binary, work: work)

        heading("5. failover: kill -9 the primary while 8 clients append, promote the standby")
        try await failover(cast: cast, url: server.url)
    }

    /// A new ledger of `cast` in the database `url` names, with the scene set up.
    private func create(_ cast: StoreCast, at url: String) throws {
        let genesis = try SignedEvent(event: Event(id: "genesis", author: "ops.exchange", keyID: cast.operatorKey.publicKey.keyID, at: cast.at,
                                                   body: .genesis(GenesisBody(origin: cast.origin, suite: cast.suite,
                                                                              operator: .init(party: "ops.exchange", name: "Exchange operator", key: cast.operatorKey.publicKey)))),
                                      origin: cast.origin, signer: cast.operatorKey)
        let address = try PostgresAddress(url)
        let store = try PostgresStore.create(address: address, manifest: LedgerManifest(origin: cast.origin, suite: cast.suite, operatorKey: cast.operatorKey.publicKey),
                                             writerName: "bench")
        let writer = try LedgerWriter.create(store: store, name: address.description, genesis: genesis)
        _ = try writer.appendBlocking(cast.setUp)
        writer.close()
    }

    private func takeover(cast: StoreCast, binary: String, work: String) async throws {
        try create(cast, at: takeoverDatabase)
        let address = try PostgresAddress(takeoverDatabase)
        let writer = try LedgerWriter.open(store: try PostgresStore.open(address: address, writerName: "bench filler"), name: address.description)
        let start = nanos()
        var appended = 0
        let chunk = 20_000
        while appended < takeoverEntries {
            let events = try cast.exchanges((1_000_000_000 + appended)..<(1_000_000_000 + min(takeoverEntries, appended + chunk)))
            var tickets: [AppendTicket] = []
            for batch in stride(from: 0, to: events.count, by: 2000) { tickets.append(writer.submit(Array(events[batch..<min(batch + 2000, events.count)]))) }
            for ticket in tickets { _ = try ticket.wait() }
            appended += events.count
        }
        writer.close()
        rateLine("filled through the store", Double(appended) / seconds(since: start))
        let input = work + "/one.jsonl"
        try (String(decoding: CanonicalJSON.encode(try cast.exchange(2_000_000_000).json), as: UTF8.self) + "\n").write(toFile: input, atomically: true, encoding: .utf8)
        let began = nanos()
        let status = try runChild([binary, "append", takeoverDatabase, "--signed", input], stdoutPath: work + "/takeover.out", stderrPath: work + "/takeover.err")
        let elapsed = seconds(since: began)
        guard status == 0 else { throw BenchError("append --store failed: \((try? String(contentsOfFile: work + "/takeover.err", encoding: .utf8)) ?? "")") }
        line("  new writer's append", String(format: "%.2f s from process start to exit (goal ≤ 5 s)", elapsed))
    }

    private func failover(cast: StoreCast, url: String) async throws {
        let options = { var options = RemoteLedgerOptions(); options.retries = 100; return options }()
        let stop = BenchFlag()
        let times = BenchTimes()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<8 {
                group.addTask {
                    let ledger = try await RemoteLedger.connect(to: url, key: cast.providerKey, options: options)
                    var n = 3_000_000_000 + client * 1_000_000
                    while !stop.isRaised {
                        let sent = ContinuousClock.now
                        _ = try await ledger.append(try cast.exchange(n))
                        times.add(sent: sent, received: .now)
                        n += 1
                    }
                    await ledger.close()
                }
            }
            try await Task.sleep(for: .seconds(1))
            let primaryPID = try primaryPostmasterPID()
            let killed = ContinuousClock.now
            kill(primaryPID, SIGKILL)
            let promote = [pgBin + "/pg_ctl", "-D", standbyData, "-w", "promote"]
            let status = try runChild(asPostgres ? ["/usr/sbin/runuser", "-u", "postgres", "--"] + promote : promote,
                                      stdoutPath: "/dev/null", stderrPath: "/dev/null")
            guard status == 0 else { throw BenchError("pg_ctl promote failed (exit \(status))") }
            let deadline = ContinuousClock.now + .seconds(60)
            while times.first(sentAfter: killed) == nil && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            stop.raise()
            try await group.waitForAll()
            if let first = times.first(sentAfter: killed) {
                let elapsed = first - killed
                line("  kill → first acknowledged append", String(format: "%.2f s (goal ≤ 10 s; the standby now runs without a standby of its own)",
                                                                   Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
            } else {
                line("  kill → first acknowledged append", "none within 60 s")
            }
        }
    }

    /// The primary's postmaster, from `SELECT pg_backend_pid()`'s parent.
    private func primaryPostmasterPID() throws -> pid_t {
        let session = try PostgresSession.connect(try PostgresAddress(primary), writable: true)
        defer { session.close() }
        let backend = try session.query("SELECT pg_backend_pid()", doing: "finding the primary's postmaster").first!.decode(Int32.self)
        let stat = try String(contentsOfFile: "/proc/\(backend)/stat", encoding: .utf8)
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return pid_t(fields[1])!
    }
}

/// Set once to stop the bench's clients.
final class BenchFlag: Sendable {
    private let raised = Mutex(false)
    func raise() { raised.withLock { $0 = true } }
    var isRaised: Bool { raised.withLock { $0 } }
}

/// When each append was sent and answered.
final class BenchTimes: Sendable {
    private let times = Mutex<[(sent: ContinuousClock.Instant, received: ContinuousClock.Instant)]>([])
    func add(sent: ContinuousClock.Instant, received: ContinuousClock.Instant) { times.withLock { $0.append((sent, received)) } }
    /// The first answer to an append sent after `instant`.
    func first(sentAfter instant: ContinuousClock.Instant) -> ContinuousClock.Instant? {
        times.withLock { $0.filter { $0.sent > instant }.map(\.received).min() }
    }
}
