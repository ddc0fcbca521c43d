import Hummingbird
import NIOCore
#if canImport(Glibc)
import Glibc
#endif

extension ResponseBodyWriter {
    /// Writes `buffer`, closing `channel` if the client has not taken it within `limit`.
    ///
    /// Why: a write waits while the client does not read (the kernel's buffers and NIO's are
    /// full). An event stream lives as long as its client wants, and an unsigned one
    /// (`--public-read`) never expires, so a client that opened one and stopped reading held
    /// its connection and about 2.8 MB of the server's socket buffers for good (measured:
    /// still there long after `--idle-timeout`). A client that reads again in time loses
    /// nothing; one that was cut off reconnects and resumes after its last id.
    ///
    /// The close is abortive (SO_LINGER 0, a TCP reset) where `channel` is a socket: an orderly
    /// close would leave the unread megabytes in the kernel until the FIN gave up, minutes
    /// later. (On an HTTP/2 stream's channel the option does not apply; its close resets the
    /// stream.)
    mutating func write(_ buffer: ByteBuffer, closing channel: any Channel, unlessTakenWithin limit: TimeAmount) async throws {
        let deadline = channel.eventLoop.scheduleTask(in: limit) {
            guard let socket = channel as? any SocketOptionProvider else { return channel.close(promise: nil) }
            socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { _ in channel.close(promise: nil) }
        }
        defer { deadline.cancel() }
        try await write(buffer)
    }
}
