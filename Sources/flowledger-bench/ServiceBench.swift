// `flowledger serve` on loopback (scripts/bench-service.sh), each figure beside the local
// `flowledger append DIR --signed FILE` rate measured in the same run (issue 13's yardstick):
//   1. the local rate: the release binary appending the pre-signed events to a directory;
//   2. 16 clients (RemoteLedger, one connection pool each) sending batches of 100: events/s;
//   3. 64 clients sending one event per request: events/s, p50 and p99 receipt latency (each
//      request costs two signature checks, the request's and the event's: 0.5 is the ceiling);
//      then the same with requests signed beforehand and sent over raw sockets (RawLoad), and
//      the server's CPU per request;
//   4. `v1/events`: from a durable append's receipt to a follower in this process: p50, p99;
//   5. 1,000 idle followers (raw sockets, signed GET v1/events): the server's CPU over an idle
//      window and its RSS;
//   6. tlog-tiles: full level-0 hash tiles and entry bundles fetched by 16 concurrent clients
//      (plain HTTP, signed requests), tiles per second and MiB/s;
//   7. TLS: step 2 again over https (a certificate made by `openssl req`), as a ratio.
// `--only 2,3` runs just those steps after the yardstick (to profile one of them).
// Results are figures, never assertions.
import Foundation
import FlowLedger
import AsyncHTTPClient
import LedgerCore
import LedgerWire
#if canImport(Glibc)
import Glibc
#endif

struct ServiceBench {
    /// Events appended in steps 1, 2 and 6.
    var events = 40_000
    /// Events in step 3 (one per request).
    var singles = 10_000
    /// Sequential appends timed in step 4.
    var latencyAppends = 500
    /// Idle followers in step 5.
    var followers = 1000
    /// Seconds of idle window in step 5.
    var idleSeconds = 10
    /// The steps to run after the yardstick (step 1 always runs): all by default.
    var steps: Set<Int> = Set(2...7)

    init(arguments: [String]) throws {
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            switch argument {
            case "--events": events = try positiveNumber(after: argument, in: &rest)
            case "--singles": singles = try positiveNumber(after: argument, in: &rest)
            case "--followers": followers = try positiveNumber(after: argument, in: &rest)
            case "--idle-seconds": idleSeconds = try positiveNumber(after: argument, in: &rest)
            case "--only":
                let list = rest.popFirst() ?? ""
                let chosen = list.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
                guard !chosen.isEmpty, chosen.allSatisfy({ (1...7).contains($0) }) else {
                    throw UsageError("--only needs step numbers from 1 to 7, such as 3 or 2,3")
                }
                steps = Set(chosen)
            case "--quick":
                (events, singles, latencyAppends, followers, idleSeconds) = (4000, 1000, 100, 200, 3)
            default: throw UsageError("unknown option \(argument)")
            }
        }
    }

    func run() async throws {
        let work = try makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let binary = executableDirectory() + "/flowledger"
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("\(binary) is not built: swift build -c release --product flowledger")
        }
        let cast = try StoreCast(suite: .ed25519SHA256)
        let total = events + 2 * singles + latencyAppends + events
        print("flowledger serve on loopback: ed25519-sha256, \(ProcessInfo.processInfo.activeProcessorCount) cores, load \(loadAverage())")
        print("signing \(grouped(total)) events beforehand on every core…")
        let signed = try cast.exchanges(0..<total)
        var cursor = 0
        func take(_ count: Int) -> [SignedEvent] {
            defer { cursor += count }
            return Array(signed[cursor..<(cursor + count)])
        }
        let bulk = take(events)

        heading("1. the yardstick: `flowledger append DIR --signed FILE` (release binary, local)")
        let local = try localRate(cast: cast, events: bulk, binary: binary, work: work)
        rateLine("local append --signed", local)

        let directory = work + "/served"
        try cast.createLedger(at: directory).close()
        let operatorKey = work + "/operator.pem"
        try writeKey(cast.operatorKey, to: operatorKey)
        let server = try ServedChild(binary: binary, arguments: ["serve", directory, "--listen", "127.0.0.1:0", "--rate", "100000000/s",
                                                                 "--operator-key", operatorKey], work: work, name: "serve")
        defer { server.stop() }

        var batchedRate: Double?
        if steps.contains(2) {
            heading("2. 16 clients, batches of 100 events (http)")
            let batched = try await appendConcurrently(url: server.url, key: cast.providerKey, events: bulk, clients: 16, batch: 100, trustRoots: [], server: server)
            rateLine("16 × 100", batched.rate, String(format: "%.2f of local", batched.rate / local))
            line("  CPU", batched.cpu)
            batchedRate = batched.rate
        }

        let singleEvents = take(singles)
        if steps.contains(3) {
            heading("3. 64 clients, one event per request")
            let single = try await appendConcurrently(url: server.url, key: cast.providerKey, events: singleEvents, clients: 64, batch: 1, trustRoots: [], server: server)
            rateLine("64 × 1", single.rate, String(format: "%.2f of local (ceiling 0.5)", single.rate / local))
            line("  CPU", single.cpu)
            line("  receipt latency", String(format: "p50 %.1f ms, p99 %.1f ms", quantile(single.latencies, 0.5) * 1000, quantile(single.latencies, 0.99) * 1000))
            try presignedSingles(server: server, key: cast.providerKey, events: take(singles), local: local)
        }
        let latencyEvents = take(latencyAppends)
        if steps.contains(4) {
            heading("4. v1/events: durable append (receipt) -> a follower's hands")
            let (fromCall, fromReceipt) = try await streamLatency(url: server.url, key: cast.providerKey, events: latencyEvents)
            for (name, delays) in [("  from the append's call", fromCall), ("  from its receipt", fromReceipt)] {
                line(name, String(format: "p50 %.2f ms, p99 %.2f ms, max %.2f ms over %d appends",
                                  quantile(delays, 0.5) * 1000, quantile(delays, 0.99) * 1000, delays.max()! * 1000, delays.count))
            }
        }
        if steps.contains(5) {
            heading("5. \(grouped(followers)) idle followers of v1/events")
            try await idleFollowers(server: server, key: cast.providerKey)
        }
        if steps.contains(6) {
            heading("6. tlog-tiles: full tiles by 16 clients for 5 s")
            try await tiles(url: server.url, key: cast.providerKey)
        }
        guard steps.contains(7) else { return }

        heading("7. TLS: step 2 over https")
        let certificate = work + "/cert.pem"
        let privateKey = work + "/key.pem"
        guard try runChild(["/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "1",
                            "-subj", "/CN=localhost", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                            "-keyout", privateKey, "-out", certificate], stdoutPath: work + "/openssl.out", stderrPath: work + "/openssl.err") == 0 else {
            throw BenchError("openssl req failed: \((try? String(contentsOfFile: work + "/openssl.err", encoding: .utf8)) ?? "")")
        }
        server.stop()
        let secure = try ServedChild(binary: binary, arguments: ["serve", directory, "--listen", "127.0.0.1:0", "--rate", "100000000/s",
                                                                 "--tls-cert", certificate, "--tls-key", privateKey], work: work, name: "serve-tls")
        defer { secure.stop() }
        let tls = try await appendConcurrently(url: secure.url, key: cast.providerKey, events: take(events), clients: 16, batch: 100, trustRoots: [certificate], server: secure)
        let overPlain = batchedRate.map { String(format: ", %.2f of plain http", tls.rate / $0) } ?? ""
        rateLine("16 × 100 over TLS", tls.rate, String(format: "%.2f of local", tls.rate / local) + overPlain)
    }

    /// Step 3 again with the clients' work done beforehand: every request signed before the
    /// clock starts and sent by ``RawLoad`` over 64 raw sockets from one thread, so the figure is
    /// the server's own rate on the cores it shares with a load generator that costs little,
    /// and the server's CPU per request shows what it would reach with its clients elsewhere.
    private func presignedSingles(server: ServedChild, key: PrivateKey, events: [SignedEvent], local: Double) throws {
        let components = URLComponents(string: server.url)!
        let port = UInt16(components.port!)
        let target = server.url + "v1/entries"
        // Signed for 5 minutes: all are signed before the clock starts.
        let signer = RequestSigner(key: key, lifetime: 300)
        let now = UnixTime.now()
        let requests = try parallelMap(events.count) { index -> [UInt8] in
            let body = events[index].line + [0x0a]
            var head = "POST /v1/entries HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nContent-Type: application/x-ndjson\r\nContent-Length: \(body.count)\r\n"
            for (name, value) in try signer.headers(method: "POST", targetURI: target, body: body, now: now) {
                head += "\(name): \(value)\r\n"
            }
            return Array((head + "\r\n").utf8) + body
        }
        let (serverTicks, clientCPU) = (server.cpuTicks(), cpuSeconds())
        let outcome = try RawLoad(port: port, requests: requests, connections: 64).run()
        let serverSeconds = Double(server.cpuTicks() - serverTicks) / Double(sysconf(Int32(_SC_CLK_TCK)))
        let clientCores = (cpuSeconds() - clientCPU) / outcome.seconds
        guard outcome.statuses == [200: events.count] else { throw BenchError("pre-signed singles: answers \(outcome.statuses), all 200 expected") }
        let rate = Double(events.count) / outcome.seconds
        rateLine("64 × 1, pre-signed, raw sockets", rate, String(format: "%.2f of local (ceiling 0.5)", rate / local))
        line("  CPU", String(format: "server %.2f cores, load generator %.2f cores", serverSeconds / outcome.seconds, clientCores))
        let perRequest = serverSeconds / Double(events.count)
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        line("  server CPU per request", String(format: "%.0f µs: at most %.0f requests/s, %.2f of local, were every core the server's", perRequest * 1e6, cores / perRequest, cores / perRequest / local))
        line("  receipt latency", String(format: "p50 %.1f ms, p99 %.1f ms", quantile(outcome.latencies, 0.5) * 1000, quantile(outcome.latencies, 0.99) * 1000))
    }

    /// 16 clients fetching the full tiles under the latest checkpoint, round robin, for 5 s.
    private func tiles(url: String, key: PrivateKey) async throws {
        let ledger = try await RemoteLedger.connect(to: url, key: key)
        defer { Task { await ledger.close() } }
        let size = try await ledger.latestCheckpoint().checkpoint.size
        let full = size / Int64(Tile.fullWidth)
        guard full > 0 else {
            print("skipped: the checkpoint covers fewer than \(Tile.fullWidth) entries")
            return
        }
        let paths = try (0..<full).flatMap { index in
            [try Tile(kind: .hashes(level: 0), index: index).path, try Tile(kind: .entries, index: index).path]
        }
        let signer = RequestSigner(key: key)
        let deadline = nanos() + 5_000_000_000
        let start = nanos()
        let (count, bytes) = try await withThrowingTaskGroup(of: (Int, Int).self) { group in
            for client in 0..<16 {
                group.addTask {
                    var (count, bytes, next) = (0, 0, client)
                    while nanos() < deadline {
                        let target = url + paths[next % paths.count]
                        var request = HTTPClientRequest(url: target)
                        for (name, value) in try signer.headers(method: "GET", targetURI: target, body: nil, now: UnixTime.now()) {
                            request.headers.add(name: name, value: value)
                        }
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 64 << 20)
                        guard response.status == .ok else { throw BenchError("\(target): \(response.status)") }
                        (count, bytes, next) = (count + 1, bytes + body.readableBytes, next + 16)
                    }
                    return (count, bytes)
                }
            }
            var total = (0, 0)
            for try await (count, bytes) in group { total = (total.0 + count, total.1 + bytes) }
            return total
        }
        let elapsed = seconds(since: start)
        rateLine("tiles and entry bundles", Double(count) / elapsed, String(format: "%.1f MiB/s over %d distinct paths", Double(bytes) / elapsed / 1_048_576, paths.count))
    }

    /// `flowledger append DIR --signed FILE` on a fresh ledger: events per second, process start to exit.
    private func localRate(cast: StoreCast, events: [SignedEvent], binary: String, work: String) throws -> Double {
        let input = work + "/signed.jsonl"
        let lines = try parallelMap(events.count) { String(decoding: CanonicalJSON.encode(events[$0].json), as: UTF8.self) }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: input))
        let directory = work + "/local"
        try cast.createLedger(at: directory).close()
        let start = nanos()
        let status = try runChild([binary, "append", directory, "--signed", input], stdoutPath: work + "/local.out", stderrPath: work + "/local.err")
        let elapsed = seconds(since: start)
        guard status == 0 else { throw BenchError("local append exited \(status)") }
        return Double(events.count) / elapsed
    }

    /// `clients` RemoteLedgers appending `events` in requests of `batch`: rate and per-request latencies.
    func appendConcurrently(url: String, key: PrivateKey, events: [SignedEvent], clients: Int, batch: Int,
                                    trustRoots: [String], server: ServedChild) async throws -> (rate: Double, latencies: [Double], cpu: String) {
        var options = RemoteLedgerOptions()
        options.trustRoots = trustRoots
        var ledgers: [RemoteLedger] = []
        for _ in 0..<clients { ledgers.append(try await RemoteLedger.connect(to: url, key: key, options: options)) }
        let requests = stride(from: 0, to: events.count, by: batch).map { Array(events[$0..<min($0 + batch, events.count)]) }
        let (serverTicks, clientCPU) = (server.cpuTicks(), cpuSeconds())
        let start = nanos()
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for client in 0..<clients {
                let ledger = ledgers[client]
                group.addTask {
                    var spent: [Double] = []
                    for index in stride(from: client, to: requests.count, by: clients) {
                        let began = nanos()
                        _ = try await ledger.append(requests[index])
                        spent.append(seconds(since: began))
                    }
                    return spent
                }
            }
            var all: [Double] = []
            for try await spent in group { all += spent }
            return all.sorted()
        }
        let elapsed = seconds(since: start)
        let serverCores = Double(server.cpuTicks() - serverTicks) / Double(sysconf(Int32(_SC_CLK_TCK))) / elapsed
        let clientCores = (cpuSeconds() - clientCPU) / elapsed
        for ledger in ledgers { await ledger.close() }
        // The clients share the machine: their signing and HTTP cost cores the server lacks.
        return (Double(events.count) / elapsed, latencies, String(format: "server %.2f cores, clients (this process) %.2f cores", serverCores, clientCores))
    }

    /// Sequential appends, each timed from its call and from its receipt to the follower's
    /// receiving it (the first includes the request's round trip and the group commit: an upper
    /// bound on "durable to the follower's hands"; the second is often 0, the stream being faster
    /// than the append's answer).
    private func streamLatency(url: String, key: PrivateKey, events: [SignedEvent]) async throws -> (fromCall: [Double], fromReceipt: [Double]) {
        let ledger = try await RemoteLedger.connect(to: url, key: key)
        defer { Task { await ledger.close() } }
        let start = try await ledger.size()
        let arrivals = AsyncStream<(Int64, UInt64)>.makeStream()
        let follower = Task {
            for try await entry in ledger.follow(from: start).verifying(false) {
                arrivals.continuation.yield((entry.seq, nanos()))
            }
        }
        defer { follower.cancel() }
        var iterator = arrivals.stream.makeAsyncIterator()
        var (fromCall, fromReceipt): ([Double], [Double]) = ([], [])
        for event in events {
            let called = nanos()
            let receipt = try await ledger.append(event)
            let durable = nanos()
            while let (seq, at) = await iterator.next() {
                if seq == receipt.seq {
                    fromCall.append(Double(Int64(at) - Int64(called)) / 1e9)
                    fromReceipt.append(max(0, Double(Int64(at) - Int64(durable)) / 1e9))
                    break
                }
            }
        }
        return (fromCall.sorted(), fromReceipt.sorted())
    }

    /// Opens idle followers on raw sockets and measures the server's CPU and RSS while they wait.
    private func idleFollowers(server: ServedChild, key: PrivateKey) async throws {
        let components = URLComponents(string: server.url)!
        let port = UInt16(components.port!)
        let beforeRSS = server.residentBytes()
        var sockets: [Int32] = []
        defer { sockets.forEach { close($0) } }
        let signer = RequestSigner(key: key)
        for _ in 0..<followers {
            let path = "/v1/events?from=100000000"
            var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nAccept: text/event-stream\r\n"
            for (name, value) in try signer.headers(method: "GET", targetURI: "http://127.0.0.1:\(port)\(path)", body: nil, now: UnixTime.now()) {
                request += "\(name): \(value)\r\n"
            }
            request += "\r\n"
            sockets.append(try Self.connectAndSend(port: port, request))
        }
        try await Task.sleep(for: .seconds(2))  // every stream answered and parked
        let open = sockets.filter { Self.readsHeaders($0) }.count
        let (ticks0, wall0) = (server.cpuTicks(), nanos())
        try await Task.sleep(for: .seconds(idleSeconds))
        let cpu = Double(server.cpuTicks() - ticks0) / Double(sysconf(Int32(_SC_CLK_TCK))) / seconds(since: wall0)
        line("  streams answered 200", "\(open) of \(followers)")
        line("  server CPU while idle", String(format: "%.2f%% of a core", cpu * 100))
        line("  server RSS", "\(mebibytes(server.residentBytes())) (\(mebibytes(beforeRSS)) before the followers)")
    }

    /// A TCP connection to 127.0.0.1:`port` with `request` written.
    private static func connectAndSend(port: UInt16, _ request: String) throws -> Int32 {
        let fd = try RawLoad.connect(port: port)
        _ = Array(request.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return fd
    }

    /// Whether the answer on `fd` so far starts with `HTTP/1.1 200` (non-blocking peek).
    private static func readsHeaders(_ fd: Int32) -> Bool {
        var buffer = [UInt8](repeating: 0, count: 12)
        let count = recv(fd, &buffer, 12, Int32(MSG_PEEK | MSG_DONTWAIT))
        return count >= 12 && String(decoding: buffer, as: UTF8.self).hasPrefix("HTTP/1.1 200")
    }

    func writeKey(_ key: PrivateKey, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard fd >= 0 else { throw BenchError("cannot write \(path)") }
        let pem = Array(try key.pemRepresentation().utf8)
        _ = pem.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }
}

/// A `flowledger serve` (or other listening) child process whose first stdout line is its URL.
final class ServedChild {
    let pid: pid_t
    let url: String
    private var stopped = false

    init(binary: String, arguments: [String], work: String, name: String) throws {
        let out = work + "/\(name).out"
        pid = try spawnChild([binary] + arguments, stdoutPath: out, stderrPath: work + "/\(name).err")
        let deadline = nanos() + 60_000_000_000
        while true {
            let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
            if let newline = text.firstIndex(of: "\n") {
                url = String(text[..<newline])
                return
            }
            var raw: Int32 = 0
            if waitpid(pid, &raw, WNOHANG) == pid || nanos() > deadline {
                throw BenchError("\(name) did not start: \((try? String(contentsOfFile: work + "/\(name).err", encoding: .utf8)) ?? "")")
            }
            usleep(20_000)
        }
    }

    /// utime + stime so far, in clock ticks.
    func cpuTicks() -> Int64 {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return 0 }
        let fields = stat[stat.index(after: stat.lastIndex(of: ")")!)...].split(separator: " ")
        return Int64(fields[11])! + Int64(fields[12])!
    }

    /// The resident set size now (VmRSS), in bytes.
    func residentBytes() -> Int64 {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let row = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kib = row.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.flatMap({ Int64($0) }) else { return 0 }
        return kib * 1024
    }

    /// SIGTERM, and waits for the exit.
    func stop() {
        guard !stopped else { return }
        stopped = true
        kill(pid, SIGTERM)
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) == -1 && errno == EINTR {}
    }
}
