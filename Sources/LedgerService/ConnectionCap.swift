import HummingbirdCore
import Logging
import NIOCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// How many connections `serve` holds at once, in all and from one client address; past
/// either, a new connection is closed as soon as it is accepted (before a byte is read).
///
/// Why: each connection holds a file descriptor. Without a cap, one client that opened
/// connections (and kept each alive within the idle timeout) used up the process's
/// descriptors: the listener could then accept no one, and the writer could not open its next
/// segment or write a checkpoint, which stops it. The total stays ``reservedDescriptors``
/// below the process's limit; the cap per address keeps one client (or one organisation's
/// NAT) from taking all of it.
final class ConnectionCap: Sendable {
    /// The most connections at once.
    let total: Int
    /// The most connections at once from one IP address (one /64 network for IPv6).
    let perAddress: Int
    private let open = Mutex<(total: Int, byAddress: [String: Int])>((0, [:]))
    private let refused = TurnedAwayTally()
    /// Where the open connections and those refused are counted, if anywhere.
    private let metrics: ServiceMetrics?

    /// Descriptors kept for the ledger itself (segments, index, SQLite, checkpoints, the
    /// event streams' watchers) when the total is taken from the process's limit.
    static let reservedDescriptors = 256

    /// A cap of `total` connections, `perAddress` from one address, counted in `metrics`.
    init(total: Int, perAddress: Int, metrics: ServiceMetrics? = nil) {
        self.total = max(1, total)
        self.perAddress = max(1, perAddress)
        self.metrics = metrics
    }

    /// The cap `serve` runs with: `total` and `perAddress` when given, else taken from the
    /// process's descriptor limit (raised to its hard limit first) less ``reservedDescriptors``,
    /// and a quarter of that (at least 64) per address — or all of it on a loopback listener,
    /// whose clients all come from one address (a proxy in front, or this machine).
    static func forThisProcess(total: Int?, perAddress: Int?, loopback: Bool, metrics: ServiceMetrics? = nil, logger: Logger) -> ConnectionCap {
        let descriptors = descriptorLimit()
        let chosen = total ?? max(64, (descriptors ?? 1024) - reservedDescriptors)
        if let descriptors, let total, total > descriptors - reservedDescriptors {
            logger.warning("--max-connections \(total) leaves fewer than \(reservedDescriptors) of this process's \(descriptors) file descriptors to the ledger itself: raise the limit (ulimit -n) or lower --max-connections, or the writer may be unable to open its next segment")
        }
        return ConnectionCap(total: chosen, perAddress: perAddress ?? (loopback ? chosen : max(64, chosen / 4)), metrics: metrics)
    }

    /// Who a connection counts against: its IPv4 address, or the /64 network of an IPv6 one (a
    /// client is handed a /64 and can take a new address in it for every connection).
    static func client(_ address: SocketAddress?) -> String {
        let whole = address?.ipAddress ?? "an unknown address"
        guard case .v6(let v6)? = address else { return whole }
        let bytes = withUnsafeBytes(of: v6.address.sin6_addr) { Array($0) }
        // ::ffff:a.b.c.d is an IPv4 client reached over IPv6: counted by its whole address.
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff { return whole }
        let groups = stride(from: 0, to: 8, by: 2).map { String(UInt16(bytes[$0]) << 8 | UInt16(bytes[$0 + 1]), radix: 16) }
        return groups.joined(separator: ":") + "::/64"
    }

    /// Admits a connection from `address`, or says which cap it would pass (`total` or
    /// `address`, the metric's label) and why.
    func admit(_ address: String) -> (cap: String, reason: String)? {
        let (refusal, count) = open.withLock { open -> ((cap: String, reason: String)?, Int) in
            if open.total >= total { return (("total", "the server holds \(total) connections, its most (--max-connections)"), open.total) }
            let fromAddress = open.byAddress[address, default: 0]
            if fromAddress >= perAddress {
                return (("address", "\(address) holds \(perAddress) connections, the most from one address (--max-connections-per-address)"), open.total)
            }
            open.total += 1
            open.byAddress[address] = fromAddress + 1
            return (nil, open.total)
        }
        if let refusal { metrics?.connectionRefused(cap: refusal.cap) } else { metrics?.openConnections.record(count) }
        return refusal
    }

    /// A connection from `address` closed.
    func release(_ address: String) {
        let count = open.withLock { open -> Int in
            open.total -= 1
            let left = open.byAddress[address, default: 1] - 1
            open.byAddress[address] = left > 0 ? left : nil
            return open.total
        }
        metrics?.openConnections.record(count)
    }

    /// Connections open now.
    var openConnections: Int { open.withLock { $0.total } }

    /// Counts a connection turned away; says how many were since the last report, at most
    /// once per `interval`.
    func turnedAway(reportingEvery interval: Duration) -> Int? {
        refused.note()
        return refused.turnedAway(reportingEvery: interval)
    }

    /// The process's limit on open descriptors, raised to its hard limit first (as Go's
    /// runtime does): the default soft limit, often 1,024, would cap a server at a few hundred
    /// followers. Nil when it cannot be read.
    static func descriptorLimit() -> Int? {
        let unlimited = rlim_t.max  // RLIM_INFINITY, which Swift imports as an overflowing literal
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return nil }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max == unlimited ? max(limit.rlim_cur, 1 << 20) : limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur == unlimited ? Int.max : Int(clamping: limit.rlim_cur)
    }
}

/// A listener's connection counted against a ``ConnectionCap``: one past the cap is closed at
/// once (its setup fails, and Hummingbird never sees it); an admitted one is released when it
/// closes, however it closes.
struct ConnectionCapChannel<Inner: ServerChildChannel>: ServerChildChannel {
    /// The channel that does the work.
    let inner: Inner
    /// The cap counted against.
    let cap: ConnectionCap

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        let address = ConnectionCap.client(channel.remoteAddress)
        if let reason = cap.admit(address)?.reason {
            if let count = cap.turnedAway(reportingEvery: .seconds(10)) {
                logger.warning("\(count) connection(s) closed on arrival: \(reason). Raise the limit if these clients are legitimate, or find which one opens connections and does not close them")
            }
            channel.close(promise: nil)
            return channel.eventLoop.makeFailedFuture(ChannelError.inputClosed)
        }
        channel.closeFuture.whenComplete { _ in cap.release(address) }
        // A setup that fails leaves the channel unregistered, and nobody else closes it (NIO
        // drops the failed future): closed here, so its descriptor and its slot come back.
        return inner.setup(channel: channel, logger: logger).flatMapErrorThrowing { error in
            channel.close(promise: nil)
            throw error
        }
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}
