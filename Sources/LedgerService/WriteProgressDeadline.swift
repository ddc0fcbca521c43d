import HummingbirdCore
import Logging
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

/// A listener's connection (HTTP/1.1, or TLS with HTTP/1.1 and HTTP/2) whose client must take
/// what is sent to it: a ``WriteProgressDeadlineHandler`` first in its pipeline, next to the
/// socket, for answers NIO holds, and the kernel's TCP_USER_TIMEOUT for those in its buffers.
struct WriteProgressDeadlineChannel<Inner: ServerChildChannel>: ServerChildChannel {
    /// The channel that does the work.
    let inner: Inner
    /// How long the client may take nothing of what is waiting for it.
    let limit: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Inner.Value> {
        do {
            try channel.pipeline.syncOperations.addHandler(WriteProgressDeadlineHandler(limit: limit), position: .first)
            // Answers that fit in the kernel's buffers (up to about 2.8 MB on loopback) leave the
            // channel writable, so the handler never starts; the kernel held them, probing a
            // shut window, for as long as the client answered its probes, even after the idle
            // timeout closed the connection. With TCP_USER_TIMEOUT it gives the connection up
            // once data has waited unacknowledged, or behind a shut window, for `limit`.
            let milliseconds = SocketOptionValue(clamping: limit.nanoseconds / 1_000_000)
            try channel.syncOptions?.setOption(Self.userTimeout, value: milliseconds)
        } catch {
            return channel.eventLoop.makeFailedFuture(error)
        }
        return inner.setup(channel: channel, logger: logger)
    }

    /// TCP_USER_TIMEOUT (Linux 2.6.37; zero-window probes obey it since 5.1), in milliseconds.
    private static var userTimeout: ChannelOptions.Types.SocketOption {
        ChannelOptions.Types.SocketOption(level: SocketOptionLevel(IPPROTO_TCP), name: SocketOptionName(TCP_USER_TIMEOUT))
    }

    func handle(value: Inner.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Resets a connection whose client has taken nothing of what the server sent it for `limit`
/// (nginx's `send_timeout`): its answers filled the kernel's buffers and NIO's beyond its
/// high-water mark (the channel is not writable) and the client acknowledged no byte of them
/// all that time.
///
/// Why: a client that sends requests and never reads the answers (pipelined `v1/entries` pages,
/// tiles, the report) held its connection and about 2.8 MB of the server's socket buffers until
/// it left; the idle timeout counts only what the client sends.
///
/// Progress is what the client's TCP acknowledged (TCP_INFO's `tcpi_bytes_acked`) growing, so
/// a slow client keeps its connection however slow, as long as it takes something per `limit`.
/// (NIO's write completions are too coarse: the kernel makes room known only once a third of
/// its send buffer, about 900 KB on loopback, is free.) Nothing is done per write: the handler
/// wakes only when the channel stops being writable. The reset (SO_LINGER 0) drops the unread
/// bytes in the kernel at once, where an orderly close would hold them for minutes.
final class WriteProgressDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny

    private let limit: TimeAmount
    /// What the client had acknowledged at the last look.
    private var acknowledged: UInt64?
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if !context.channel.isWritable && timer == nil {
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            Self.bytesAcknowledged(context.channel).whenSuccess { bound.value.acknowledged = $0 }
            look(context)
        }
        context.fireChannelWritabilityChanged()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    /// Looks `limit` from now whether the client took anything meanwhile.
    private func look(_ context: ChannelHandlerContext) {
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(in: limit) {
            let (handler, context) = bound.value
            Self.bytesAcknowledged(context.channel).whenComplete { result in
                handler.judge(context, acknowledged: try? result.get())
            }
        }
    }

    /// Resets the connection unless it is writable again or the client took something.
    private func judge(_ context: ChannelHandlerContext, acknowledged now: UInt64?) {
        timer = nil
        let progressed = now == nil || now != acknowledged  // no TCP socket: nothing to judge by
        acknowledged = now
        guard !context.channel.isWritable else { return }
        guard !progressed else { return look(context) }
        // Closed from here, next to the socket: a close from the pipeline's tail would pass TLS,
        // which sends close_notify behind the unread megabytes and waits 5 s for it.
        guard let socket = context.channel as? any SocketOptionProvider else { return context.close(promise: nil) }
        let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
        socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in bound.value.close(promise: nil) }
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
        // 0 is a kernel that does not fill the field (before Linux 4.1): unknown, never a stall
        // (a client that took nothing at all has still acknowledged its first segments).
        return info.map { $0.15 == 0 ? nil : $0.15 }.recover { _ in nil }
    }
}

extension HTTPServerBuilder {
    /// Plain HTTP/1.1 whose connections are closed once their client sent nothing for
    /// `idleTimeoutSeconds`, and reset once it took nothing of its answers for as long
    /// (``WriteProgressDeadlineChannel``): every listener of `serve` and `witness serve`.
    static func http1(idleTimeoutSeconds: Int64, cap: ConnectionCap) -> HTTPServerBuilder {
        let configuration = HTTP1Channel.Configuration(idleTimeout: .seconds(idleTimeoutSeconds))
        return HTTPServerBuilder { responder in
            ConnectionCapChannel(inner: WriteProgressDeadlineChannel(inner: HTTP1Channel(responder: responder, configuration: configuration), limit: .seconds(idleTimeoutSeconds)),
                                 cap: cap)
        }
    }
}
