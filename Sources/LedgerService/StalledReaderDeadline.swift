import Hummingbird
import NIOCore

extension ResponseBodyWriter {
    /// Writes `buffer`, closing `channel` if the client has not taken it within `limit`.
    ///
    /// Why: a write waits while the client does not take what it is sent. An event stream lives
    /// as long as its client wants, and an unsigned one (`--public-read`) never expires, so a
    /// client that opened one and stopped reading held it, and the server's buffers, for good.
    /// A client that reads again in time loses nothing; one that was cut off reconnects and
    /// resumes after its last id.
    ///
    /// On a socket (HTTP/1.1) ``WriteProgressDeadlineHandler`` already resets the connection,
    /// judging by what the client's TCP acknowledges, which is finer than a write's completion
    /// (the kernel makes room known only once a third of its send buffer is free), so nothing
    /// is done here. An HTTP/2 stream can stall under its own flow control while the socket
    /// flows: its channel is closed here, which resets the stream.
    mutating func write(_ buffer: ByteBuffer, closing channel: any Channel, unlessTakenWithin limit: TimeAmount) async throws {
        guard !(channel is any SocketOptionProvider) else { return try await write(buffer) }
        let deadline = channel.eventLoop.scheduleTask(in: limit) { channel.close(promise: nil) }
        defer { deadline.cancel() }
        try await write(buffer)
    }
}
