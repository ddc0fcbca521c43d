import AsyncHTTPClient
import Foundation
import LedgerTestSupport
import NIOCore
import NIOPosix
import NIOSSL
import Synchronization
import Testing

/// HTTP/2 floods against `flowledger serve` over TLS. Each test connects again and again for two
/// seconds with hand-written frames, as an attacker would, while another client asks `healthz`;
/// every flooding connection must be closed by the server within ``closeLimit``, the server's
/// memory must stay put, and `healthz` must keep answering. The limits are swift-nio-http2's
/// defaults (Hummingbird gives NIOHTTP2Handler a default configuration) and Hummingbird's PING
/// policy, none of them set here: these tests notice if an upgrade loosens one.
@Suite(.serialized) struct HTTP2FloodTests {
    /// The servers' `--idle-timeout`.
    static let idleTimeoutSeconds = 6
    /// How long a flooding connection may stay open. Under the servers' idle timeout, so the idle
    /// close (GOAWAY, then `--idle-timeout` more) cannot pass for it; the servers close a flood
    /// within a few hundred ms, and 1.5 s was once too short for a debug build on two cores
    /// that other builds kept busy.
    static let closeLimit = Duration.milliseconds(4500)
    /// How much the server's resident memory may grow under a flood.
    static let memoryLimit = 64 << 20

    /// Rapid reset (CVE-2023-44487): HEADERS opening a stream, then RST_STREAM cancelling it at
    /// once, a hundred to a write. Every such stream costs the server a stream channel and a
    /// request through the router, yet a cancelled stream never counts against the
    /// concurrent-stream limit, so an unlimited rate keeps every core busy for one client.
    /// swift-nio-http2 takes 200 RST_STREAM in 30 s, then sends GOAWAY (ENHANCE_YOUR_CALM).
    @Test func rapidResetClosesTheConnection() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let (server, cert) = try await fixture.serveOverTLS(["--idle-timeout", "\(Self.idleTimeoutSeconds)s"])
        defer { _ = server.stop() }
        let outcome = try await Self.attack(server, certificate: cert) {
            var stream: UInt32 = 1
            return {
                var batch: [UInt8] = []
                for _ in 0..<100 {
                    batch += RawFrame.frame(RawFrame.headers, flags: RawFrame.endStream | RawFrame.endHeaders, stream: stream, RawFrame.getRoot)
                    batch += RawFrame.frame(RawFrame.rstStream, stream: stream, [0, 0, 0, 0x8])  // CANCEL
                    stream += 2
                }
                return batch
            }
        }
        outcome.check("rapid reset")
    }

    /// CONTINUATION flood (CVE-2024-27316 and its kin): one HEADERS without END_HEADERS, then
    /// CONTINUATION frames that never end the header block. A server that buffers the block
    /// until it ends grows by every byte sent; one that counts only bytes never stops empty
    /// frames. Hence both: empty frames (only a limit on their number stops them) and full
    /// 16 KB ones (the header list size limit stops them first).
    @Test(arguments: [0, RawFrame.filler.count])
    func continuationFloodClosesTheConnectionAndMemoryStaysPut(frameBytes: Int) async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let (server, cert) = try await fixture.serveOverTLS(["--idle-timeout", "\(Self.idleTimeoutSeconds)s"])
        defer { _ = server.stop() }
        let continuation = RawFrame.frame(RawFrame.continuation, stream: 1, Array(RawFrame.filler.prefix(frameBytes)))
        let outcome = try await Self.attack(server, certificate: cert) {
            var opened = false
            return {
                var batch = opened ? [] : RawFrame.frame(RawFrame.headers, flags: RawFrame.endStream, stream: 1, RawFrame.getRoot)
                opened = true
                for _ in 0..<(frameBytes == 0 ? 1000 : 4) { batch += continuation }  // some 10 or 64 KB a write
                return batch
            }
        }
        outcome.check("CONTINUATION flood, \(frameBytes)-byte frames")
    }

    /// PING or SETTINGS flood (CVE-2019-9512, CVE-2019-9515): each frame obliges the server to
    /// answer (a PING ACK, a SETTINGS ACK), so a client that sends them without end keeps a core
    /// busy, and the answers queue if it does not read. Hummingbird closes at the fourth PING in
    /// 30 s; swift-nio-http2 at the 201st control frame in 30 s, which is what stops SETTINGS.
    @Test(arguments: ["PING", "SETTINGS"])
    func controlFrameFloodClosesTheConnection(_ kind: String) async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let (server, cert) = try await fixture.serveOverTLS(["--idle-timeout", "\(Self.idleTimeoutSeconds)s"])
        defer { _ = server.stop() }
        let frame = kind == "PING" ? RawFrame.frame(RawFrame.ping, [UInt8](repeating: 0x2a, count: 8)) : RawFrame.frame(RawFrame.settings)
        let outcome = try await Self.attack(server, certificate: cert) {
            { Array([[UInt8]](repeating: frame, count: 200).joined()) }
        }
        outcome.check("\(kind) flood")
    }

    /// What an attack did: each connection, the server's memory, and `healthz` meanwhile.
    private struct Outcome {
        var connections: [RawHTTP2Connection.Flooded]
        /// The server's resident memory before the attack, and the most seen during it.
        var memoryBefore: Int, memoryPeak: Int
        /// The server's CPU time during the attack.
        var cpu: Duration
        /// Each `healthz` answer's time during the attack (nil: no 200 within 2 s), and one after.
        var health: [Duration?], healthAfter: Duration?

        func check(_ attack: String, sourceLocation: SourceLocation = #_sourceLocation) {
            let lifetimes = connections.compactMap(\.closedAfter)
            let goAways = Set(connections.compactMap(\.goAway)).sorted()
            print("\(attack): \(connections.count) connections, closed after \(Self.ms(lifetimes.min())) to \(Self.ms(lifetimes.max())) "
                + "having sent \(connections.map(\.bytesSent).min() ?? 0) to \(connections.map(\.bytesSent).max() ?? 0) bytes, GOAWAY codes \(goAways); "
                + "server RSS \(memoryBefore >> 20) MB before, \(memoryPeak >> 20) MB at most, CPU \(Self.ms(cpu)); "
                + "healthz \(health.compactMap { $0 }.count)/\(health.count) answered (slowest \(Self.ms(health.compactMap { $0 }.max()))), after: \(Self.ms(healthAfter))")
            #expect(!connections.isEmpty, sourceLocation: sourceLocation)
            // Else the server negotiated HTTP/1.1 and the frames never reached an HTTP/2 parser.
            #expect(connections.allSatisfy { $0.spokeHTTP2 }, "a connection did not start with the server's SETTINGS", sourceLocation: sourceLocation)
            #expect(lifetimes.count == connections.count,
                    "\(connections.count - lifetimes.count) of \(connections.count) flooding connections were still open after \(HTTP2FloodTests.closeLimit)",
                    sourceLocation: sourceLocation)
            #expect(memoryPeak - memoryBefore < HTTP2FloodTests.memoryLimit,
                    "the server grew from \(memoryBefore >> 20) MB to \(memoryPeak >> 20) MB", sourceLocation: sourceLocation)
            #expect(!health.isEmpty && health.allSatisfy { $0 != nil }, "healthz during the flood: \(health.map { Self.ms($0) })", sourceLocation: sourceLocation)
            #expect(healthAfter != nil, "healthz did not answer after the flood", sourceLocation: sourceLocation)
        }

        static func ms(_ duration: Duration?) -> String {
            guard let duration else { return "none" }
            return "\(duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000) ms"
        }
    }

    /// Floods `server` for `duration` from one connection after another (as an attacker
    /// reconnects once cut off), while another client asks `healthz` every 100 ms and the
    /// server's memory is sampled. `flood` is called once per connection; what it returns makes
    /// that connection's writes, one batch at a time.
    private static func attack(_ server: ServedProcess, certificate: String, for duration: Duration = .seconds(2),
                       flood: () -> () -> [UInt8]) async throws -> Outcome {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: .init(tlsConfiguration: tls))
        let health = TestClient(base: server.url, key: nil, http: http)
        let pid = server.process.pid
        guard let memoryBefore = residentBytes(pid) else { try await http.shutdown(); throw FixtureError("no VmRSS for \(pid)") }
        let probing = Task { await probeHealth(health) }
        let sampling = Task {
            var peak = memoryBefore
            while !Task.isCancelled {
                peak = max(peak, residentBytes(pid) ?? 0)
                try? await Task.sleep(for: .milliseconds(20))
            }
            return peak
        }
        let cpuBefore = cpuTime(pid)
        var connections: [RawHTTP2Connection.Flooded] = []
        let end = ContinuousClock.now + duration
        do {
            while ContinuousClock.now < end {
                // At most 20 connections a second: the server's RSS keeps some 200 KB of each
                // closed flood connection until it levels off (near 310 MB after 5,000, measured),
                // and hundreds of connections would read as growth under the flood itself.
                let next = ContinuousClock.now + .milliseconds(50)
                let connection = try await RawHTTP2Connection.open(url: server.url, certificate: certificate)
                connections.append(await connection.flood(for: closeLimit, flood()))
                try? await Task.sleep(until: next)
            }
        } catch {
            probing.cancel()
            sampling.cancel()
            try? await http.shutdown()
            throw error
        }
        probing.cancel()
        sampling.cancel()
        let during = await probing.value
        let peak = max(await sampling.value, residentBytes(pid) ?? 0)
        let cpu = cpuTime(pid) - cpuBefore
        let after = await probeHealth(health, once: true).first ?? nil
        try await http.shutdown()
        return Outcome(connections: connections, memoryBefore: memoryBefore, memoryPeak: peak, cpu: cpu, health: during, healthAfter: after)
    }

    /// Asks `healthz` every 100 ms until cancelled (or just once): each answer's time, nil for
    /// one that was not 200 within 2 s.
    private static func probeHealth(_ client: TestClient, once: Bool = false) async -> [Duration?] {
        var times: [Duration?] = []
        repeat {
            let start = ContinuousClock.now
            let answer = try? await client.send(.GET, "healthz", sign: false, timeout: .seconds(2))
            if Task.isCancelled && !once { break }  // cut short by the end of the attack: says nothing
            times.append(answer?.status == 200 ? ContinuousClock.now - start : nil)
            if !once { try? await Task.sleep(for: .milliseconds(100)) }
        } while !once && !Task.isCancelled
        return times
    }

    /// The CPU time process `pid` has used (utime and stime in /proc/PID/stat).
    private static func cpuTime(_ pid: pid_t) -> Duration {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let end = stat.lastIndex(of: ")") else { return .zero }
        let fields = stat[stat.index(after: end)...].split(separator: " ")  // from field 3, state
        guard fields.count > 12, let user = Int(fields[11]), let system = Int(fields[12]) else { return .zero }
        return .milliseconds((user + system) * 1000 / sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The resident memory of process `pid` in bytes (VmRSS in /proc/PID/status).
    private static func residentBytes(_ pid: pid_t) -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return nil }
        let fields = line.split(whereSeparator: \.isWhitespace)
        return fields.count == 3 && fields[2] == "kB" ? Int(fields[1]).map { $0 * 1024 } : nil
    }
}

/// HTTP/2 frames as bytes (RFC 9113 §4.1): a 9-byte header (24-bit length, type, flags, 31-bit
/// stream id) and the payload. Built by hand, since no client library sends what floods send.
private enum RawFrame {
    static let preface = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8)
    static let headers: UInt8 = 0x1, rstStream: UInt8 = 0x3, settings: UInt8 = 0x4, ping: UInt8 = 0x6, goAway: UInt8 = 0x7, continuation: UInt8 = 0x9
    static let endStream: UInt8 = 0x1, endHeaders: UInt8 = 0x4

    static func frame(_ type: UInt8, flags: UInt8 = 0, stream: UInt32 = 0, _ payload: [UInt8] = []) -> [UInt8] {
        let length = UInt32(payload.count)
        return [UInt8(length >> 16 & 0xff), UInt8(length >> 8 & 0xff), UInt8(length & 0xff), type, flags,
                UInt8(stream >> 24 & 0x7f), UInt8(stream >> 16 & 0xff), UInt8(stream >> 8 & 0xff), UInt8(stream & 0xff)] + payload
    }

    /// `GET /` as an HPACK block: :method GET, :scheme https and :path / indexed in the static
    /// table, :authority 127.0.0.1 a literal not indexed.
    static let getRoot: [UInt8] = [0x82, 0x87, 0x84, 0x01, 9] + Array("127.0.0.1".utf8)

    /// A full CONTINUATION frame's worth of a valid HPACK block: 126 literal fields `a: aaa…`
    /// (126 a's), not indexed, 16,380 bytes, under the 16,384-byte default frame size.
    static let filler: [UInt8] = Array([[UInt8]](repeating: [0x00, 0x01, 0x61, 0x7e] + [UInt8](repeating: 0x61, count: 126), count: 126).joined())
}

/// A TLS connection that negotiated h2 and sent the client preface and an empty SETTINGS, then
/// written to with hand-built frames. It reads all the server sends and notes its frames.
private struct RawHTTP2Connection {
    let channel: any Channel
    let seen: ServerFrames

    /// What a flood did to a connection.
    struct Flooded {
        /// How long after the flood began the server closed it; nil if it was open at the limit.
        var closedAfter: Duration?
        var bytesSent: Int
        /// Whether the server's first frame was SETTINGS, as an HTTP/2 server's is.
        var spokeHTTP2: Bool
        /// The error code of the server's GOAWAY (0xb ENHANCE_YOUR_CALM, 0x1 PROTOCOL_ERROR…).
        var goAway: UInt32?
    }

    /// Connects to `url`'s port on 127.0.0.1 trusting `certificate`; within 3 s or throws.
    static func open(url: String, certificate: String) async throws -> RawHTTP2Connection {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.trustRoots = .file(certificate)
        tls.applicationProtocols = ["h2"]
        let context = try NIOSSLContext(configuration: tls)
        let seen = ServerFrames()
        let port = Int(url.split(separator: ":").last!.filter(\.isNumber))!
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(3))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    try channel.pipeline.syncOperations.addHandler(ServerFrameReader(seen: seen))
                }
            }
            .connect(host: "127.0.0.1", port: port).get()
        // The preface goes out once the handshake is done; a server too busy to finish it fails this.
        let watchdog = Task { try await Task.sleep(for: .seconds(3)); channel.close(promise: nil) }
        defer { watchdog.cancel() }
        try await channel.writeAndFlush(channel.allocator.buffer(bytes: RawFrame.preface + RawFrame.frame(RawFrame.settings))).get()
        return RawHTTP2Connection(channel: channel, seen: seen)
    }

    /// Writes `batch()` again and again until the server closes the connection, or `limit`
    /// passes; then closes it.
    func flood(for limit: Duration, _ batch: () -> [UInt8]) async -> Flooded {
        let channel = self.channel
        // Closing fails a write the server stopped reading, so no wait here outlasts the limit.
        let watchdog = Task { () -> Bool in
            guard (try? await Task.sleep(for: limit)) != nil else { return false }
            channel.close(promise: nil)
            return true
        }
        let start = ContinuousClock.now
        var sent = 0
        while channel.isActive {
            let bytes = batch()
            guard (try? await channel.writeAndFlush(channel.allocator.buffer(bytes: bytes)).get()) != nil else { break }
            sent += bytes.count
        }
        let lasted = ContinuousClock.now - start
        watchdog.cancel()
        let cutByUs = await watchdog.value
        channel.close(promise: nil)
        try? await channel.closeFuture.get()  // so every frame the server sent has been read
        return Flooded(closedAfter: cutByUs ? nil : lasted, bytesSent: sent, spokeHTTP2: seen.first == RawFrame.settings, goAway: seen.goAway)
    }
}

/// The first frame type the server sent and the error code of its first GOAWAY.
private final class ServerFrames: Sendable {
    private let state = Mutex<(first: UInt8?, goAway: UInt32?)>((nil, nil))
    var first: UInt8? { state.withLock { $0.first } }
    var goAway: UInt32? { state.withLock { $0.goAway } }

    func note(type: UInt8, errorCode: UInt32?) {
        state.withLock {
            if $0.first == nil { $0.first = type }
            if $0.goAway == nil { $0.goAway = errorCode }
        }
    }
}

/// Splits the decrypted bytes from the server into frames and notes them in a ``ServerFrames``.
private final class ServerFrameReader: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    private let seen: ServerFrames
    private var pending = ByteBuffer()

    init(seen: ServerFrames) { self.seen = seen }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        pending.writeBuffer(&incoming)
        while let head = pending.getInteger(at: pending.readerIndex, as: UInt32.self), pending.readableBytes >= 9 + Int(head >> 8) {
            let type = UInt8(head & 0xff)
            pending.moveReaderIndex(forwardBy: 9)
            let payload = pending.readSlice(length: Int(head >> 8))!
            // GOAWAY: last stream id, then the error code.
            seen.note(type: type, errorCode: type == RawFrame.goAway ? payload.getInteger(at: payload.readerIndex + 4, as: UInt32.self) : nil)
        }
        pending.discardReadBytes()
    }
}
