import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOHTTP2
import NIOSSL
import NIOTLS

/// The TLS listener's connections (HTTP/1.1 and HTTP/2), with two deadlines Hummingbird lacks:
/// - the TLS handshake must finish within `deadline` (``HandshakeDeadlineHandler``): the HTTP
///   idle timeout starts only after it, so a client that connected and sent nothing (or half a
///   ClientHello) once held its connection, and a descriptor, for ever; a thousand of them
///   stopped the server accepting;
/// - an HTTP/2 connection is closed `deadline` after the server tells it to go away
///   (``GoAwayDeadlineHandler``), at SIGTERM or when it has been idle.
struct ConnectionDeadlineChannel: ServerChildChannel {
    /// The channel that does the work once the handshake is under way.
    let inner: HTTP2UpgradeChannel
    /// How long a client has to finish the handshake, and to leave once told to go away.
    let deadline: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP2UpgradeChannel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // Right after the TLS handler, where its handshakeCompleted event passes.
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            try channel.pipeline.syncOperations.addHandler(HandshakeDeadlineHandler(deadline: deadline, logger: logger), position: .after(tls))
            return value
        }
    }

    func handle(value: HTTP2UpgradeChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes its channel at the deadline unless the TLS handshake completed first; then, on an
/// HTTP/2 connection, puts a ``GoAwayDeadlineHandler`` in place and leaves the pipeline.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let deadline: TimeAmount
    private let logger: Logger
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount, logger: Logger) {
        self.deadline = deadline
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let channel = context.channel
        timer = context.eventLoop.scheduleTask(in: deadline) { channel.close(promise: nil) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        // Passed on first: the ALPN handler after this one configures HTTP/1.1 or HTTP/2 on it.
        context.fireUserInboundEventTriggered(event)
        guard case .handshakeCompleted(let negotiated) = event as? TLSUserEvent else { return }
        timer?.cancel()
        timer = nil
        if negotiated == "h2" {
            let (channel, deadline, logger) = (context.channel, deadline, logger)
            // The HTTP/2 handler is in place by now (Hummingbird sets HTTP/2 up while this event
            // passes); were its setup ever deferred, it would be by the next tick.
            if !GoAwayDeadlineHandler.install(on: channel, deadline: deadline) {
                context.eventLoop.execute {
                    guard !GoAwayDeadlineHandler.install(on: channel, deadline: deadline) else { return }
                    // Without the deadline a silent client could hold the connection for ever.
                    logger.warning("an HTTP/2 connection without its HTTP/2 handler after the TLS handshake was closed")
                    channel.close(promise: nil)
                }
            }
        }
        context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
    }
}
