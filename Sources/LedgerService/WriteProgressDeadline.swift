import HummingbirdCore
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A listener's connection (HTTP/1.1, or TLS with HTTP/1.1 and HTTP/2) with a
/// ``WriteProgressDeadlineHandler`` first in its pipeline, next to the socket.
struct WriteProgressDeadlineChannel<Inner: ServerChildChannel>: ServerChildChannel {
    /// The channel that does the work.
    let inner: Inner
    /// How long the client may take nothing of what is waiting for it.
    let limit: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(WriteProgressDeadlineHandler(limit: limit), position: .first)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Resets a connection whose client has taken nothing of what the server sent it for `limit`
/// (nginx's `send_timeout`): answers were waiting for the client all that time and the client
/// acknowledged no byte of them.
///
/// Why: a client that sends requests and never reads the answers (pipelined `v1/entries` pages,
/// tiles, the report) held its connection and about 2.8 MB of the server's socket buffers until
/// it left; the idle timeout counts only what the client sends.
///
/// Progress is what the client's TCP acknowledged (TCP_INFO's `tcpi_bytes_acked`) growing, or a
/// write completing, so a slow client keeps its connection however slow, as long as it takes
/// something per `limit`. (A write's completion alone is too coarse: the kernel makes room
/// known only once a third of its send buffer, about 900 KB on loopback, is free.) The reset
/// (SO_LINGER 0) drops the unread bytes in the kernel at once, where an orderly close would
/// hold them for minutes.
final class WriteProgressDeadlineHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    private let limit: TimeAmount
    /// Writes passed on whose bytes have not all gone to the kernel yet.
    private var outstanding = 0
    /// Writes completed since the last look.
    private var completed = 0
    /// What the client had acknowledged at the last look.
    private var acknowledged: UInt64?
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        outstanding += 1
        let done = context.eventLoop.makePromise(of: Void.self)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        done.futureResult.whenComplete { _ in
            handler.value.outstanding -= 1
            handler.value.completed += 1
        }
        done.futureResult.cascade(to: promise)
        context.write(data, promise: done)
        if timer == nil { look(context, after: limit) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    /// Looks `delay` from now whether the client took anything since the last look.
    private func look(_ context: ChannelHandlerContext, after delay: TimeAmount) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        if acknowledged == nil { Self.bytesAcknowledged(context.channel).whenSuccess { bound.value.0.acknowledged = $0 } }
        timer = context.eventLoop.scheduleTask(in: delay) {
            let (handler, context) = bound.value
            Self.bytesAcknowledged(context.channel).whenComplete { result in
                handler.judge(context, acknowledged: try? result.get())
            }
        }
    }

    /// Resets the connection unless it progressed since the last look or has nothing waiting.
    private func judge(_ context: ChannelHandlerContext, acknowledged now: UInt64?) {
        timer = nil
        let progressed = completed > 0 || (now != nil && now != acknowledged)
        (completed, acknowledged) = (0, now)
        guard outstanding > 0 else { return }
        guard !progressed else { return look(context, after: limit) }
        let channel = context.channel
        guard let socket = channel as? any SocketOptionProvider else { return channel.close(promise: nil) }
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
    }

    /// The bytes the peer's TCP has acknowledged so far (`tcpi_bytes_acked`, Linux 4.1 on), or
    /// nil for a channel that is no TCP socket.
    private static func bytesAcknowledged(_ channel: any Channel) -> EventLoopFuture<UInt64?> {
        guard let socket = channel as? any SocketOptionProvider else { return channel.eventLoop.makeSucceededFuture(nil) }
        // Linux's struct tcp_info as 8-byte words: tcpi_bytes_acked is bytes 120…127 (after
        // 8 bytes of small fields, 24 32-bit ones and the two pacing rates). glibc's own
        // struct stops before it.
        typealias Words = (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64,
                           UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64)
        let info: EventLoopFuture<Words> = socket.unsafeGetSocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_INFO))
        return info.map { Optional($0.15) }.recover { _ in nil }
    }
}
