import NIOCore
import NIOHTTP2

/// Closes an HTTP/2 connection `deadline` after the server first sends it GOAWAY: at SIGTERM, or
/// once it has been idle for the idle timeout.
///
/// Why: after its GOAWAY, Hummingbird waits for the client to acknowledge a PING before it
/// starts its own close timer. A client that never answers (it finished the TLS handshake and
/// the HTTP/2 preface, then went silent) therefore held its connection for ever, past the idle
/// timeout, and held SIGTERM until it left (measured: as long as the client stayed). Streams
/// still open get the same `deadline` to finish before the connection goes.
final class GoAwayDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTP2Frame
    typealias InboundOut = HTTP2Frame
    typealias OutboundIn = HTTP2Frame
    typealias OutboundOut = HTTP2Frame

    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) { self.deadline = deadline }

    /// Puts a handler right after `channel`'s HTTP/2 handler, where the connection's own frames
    /// (GOAWAY among them) pass on their way out. Call on the channel's event loop.
    /// - Returns: false when the channel has no HTTP/2 handler (yet).
    static func install(on channel: any Channel, deadline: TimeAmount) -> Bool {
        let pipeline = channel.pipeline.syncOperations
        guard let http2 = try? pipeline.handler(type: NIOHTTP2Handler.self) else { return false }
        return (try? pipeline.addHandler(GoAwayDeadlineHandler(deadline: deadline), position: .after(http2))) != nil
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if timer == nil, case .goAway = unwrapOutboundIn(data).payload {
            let channel = context.channel
            timer = context.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
        }
        context.write(data, promise: promise)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }
}
