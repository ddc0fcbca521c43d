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
/// (nginx's `send_timeout`): bytes were waiting for the client all that time and none of them
/// left.
///
/// Why: a client that sends requests and never reads the answers (pipelined `v1/entries` pages,
/// tiles, the report) held its connection and about 2.8 MB of the server's socket buffers until
/// it left; the idle timeout counts only what the client sends.
///
/// Progress is a write completing: the kernel took all its bytes. Writes larger than ``piece``
/// are passed on in pieces of that size, so one large answer completes a piece at a time. The
/// kernel makes room known once about a third of its send buffer is free, so a client keeps its
/// connection while it takes that much per `limit` (a send buffer grows to a few megabytes only
/// on a fast link; a follower whose reader is slower than that is reset, reconnects and
/// resumes). The reset (SO_LINGER 0) drops the unread bytes in the kernel at once, where an
/// orderly close would hold them for minutes.
final class WriteProgressDeadlineHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = IOData
    typealias OutboundOut = IOData

    /// The largest write passed on whole.
    static let piece = 64 << 10

    private let limit: TimeAmount
    /// Writes passed on whose bytes have not all left yet.
    private var outstanding = 0
    /// When a write last completed, or the first of the outstanding ones was passed on.
    private var lastProgress = NIODeadline.now()
    private var timer: Scheduled<Void>?

    init(limit: TimeAmount) { self.limit = limit }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .byteBuffer(var buffer) = unwrapOutboundIn(data), buffer.readableBytes > Self.piece else {
            pass(unwrapOutboundIn(data), context: context, promise: promise)
            return
        }
        while buffer.readableBytes > Self.piece, let slice = buffer.readSlice(length: Self.piece) {
            pass(.byteBuffer(slice), context: context, promise: nil)
        }
        pass(.byteBuffer(buffer), context: context, promise: promise)
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    /// Passes `data` on, counting it outstanding until its bytes have left.
    private func pass(_ data: IOData, context: ChannelHandlerContext, promise: EventLoopPromise<Void>?) {
        if outstanding == 0 { lastProgress = .now() }
        outstanding += 1
        let left = context.eventLoop.makePromise(of: Void.self)
        let handler = NIOLoopBound(self, eventLoop: context.eventLoop)
        left.futureResult.whenComplete { _ in
            handler.value.outstanding -= 1
            handler.value.lastProgress = .now()
        }
        left.futureResult.cascade(to: promise)
        context.write(wrapOutboundOut(data), promise: left)
        schedule(context)
    }

    /// Looks again `limit` after the last progress, unless a look is already due.
    private func schedule(_ context: ChannelHandlerContext) {
        guard timer == nil else { return }
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleTask(deadline: lastProgress + limit) {
            let (handler, context) = bound.value
            handler.timer = nil
            guard handler.outstanding > 0 else { return }
            guard NIODeadline.now() - handler.lastProgress >= handler.limit else { return handler.schedule(context) }
            let channel = context.channel
            guard let socket = channel as? any SocketOptionProvider else { return channel.close(promise: nil) }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
        }
    }
}
