import HummingbirdCore
import HummingbirdHTTP2
import Logging
import NIOCore
import NIOSSL
import NIOTLS

/// The TLS listener's connections (HTTP/1.1 and HTTP/2), each closed unless its client finishes
/// the TLS handshake within `deadline`: the HTTP idle timeout starts only after the handshake,
/// so a client that connects and sends nothing (or half a ClientHello) once held its
/// connection, and a descriptor, for ever; a thousand of them stopped the server accepting.
struct HandshakeDeadlineChannel: ServerChildChannel {
    /// The channel that does the work once the handshake is under way.
    let inner: HTTP2UpgradeChannel
    /// How long a client has to finish the handshake.
    let deadline: TimeAmount

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP2UpgradeChannel.Value> {
        inner.setup(channel: channel, logger: logger).flatMapThrowing { value in
            // Right after the TLS handler, where its handshakeCompleted event passes.
            let tls = try channel.pipeline.syncOperations.handler(type: NIOSSLServerHandler.self)
            try channel.pipeline.syncOperations.addHandler(HandshakeDeadlineHandler(deadline: deadline), position: .after(tls))
            return value
        }
    }

    func handle(value: HTTP2UpgradeChannel.Value, logger: Logger) async {
        await inner.handle(value: value, logger: logger)
    }
}

/// Closes its channel at the deadline unless the TLS handshake completed first, then leaves
/// the pipeline.
final class HandshakeDeadlineHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    private let deadline: TimeAmount
    private var timer: Scheduled<Void>?

    init(deadline: TimeAmount) { self.deadline = deadline }

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
        if case .handshakeCompleted = event as? TLSUserEvent {
            timer?.cancel()
            timer = nil
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
        }
    }
}
