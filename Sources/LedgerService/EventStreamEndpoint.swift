import Hummingbird
import LedgerCrypto
import LedgerStore
import NIOCore

/// `GET v1/events?from=S` (DESIGN §11.2): Server-Sent Events, every entry from seq S as
/// `id: <seq>`, `event: entry`, `data: <line>` once it is durable, every checkpoint published
/// while the stream is open as `event: checkpoint` (one `data:` line per note line), and a comment
/// line at least every 15 s. `Last-Event-ID: N` resumes after seq N.
///
/// A follower costs a suspended task, not a thread: it waits on the service's ``ChangeSignal``.
struct EventStreamEndpoint: Sendable {
    let served: ServedLedger

    /// The most entries written between two looks at the signal.
    static let batch: Int64 = 1024

    func handle(_ request: Request) throws(Refusal) -> Response {
        var from: Int64 = 0
        if let text = request.uri.queryParameters.get("from") {
            guard let value = Int64(text), value >= 0 else {
                throw Refusal(400, "badRequest", "from=\(quotedForMessage(text)): give the first seq to stream, 0 or more")
            }
            from = value
        }
        if let text = request.headers[.lastEventID] {
            // The largest Int64 is no seq: a log of 2^63 − 1 entries ends at seq 2^63 − 2.
            guard let last = Int64(text), last >= 0, last < Int64.max else {
                throw Refusal(400, "badRequest", "Last-Event-ID \(quotedForMessage(text)) is not a seq this server sent")
            }
            from = last + 1
        }
        let served = self.served
        let start = from
        let keepAlive = Duration.seconds(served.options.keepAliveSeconds)
        let body = ResponseBody { writer in
            served.follower(joined: true)
            defer { served.follower(joined: false) }
            var next = start
            var checkpointSent = served.latestCheckpoint?.size ?? -1
            while !served.isStopping {
                let seen = served.changes.generation
                let durable = served.durableSize
                if next < durable {
                    let lines = try served.durableLines(next..<min(durable, next + Self.batch))
                    var frame = ByteBuffer()
                    for line in lines {
                        frame.writeString("id: \(next)\nevent: entry\ndata: ")
                        frame.writeBytes(line)
                        frame.writeString("\n\n")
                        next += 1
                    }
                    try await writer.write(frame)
                    continue
                }
                if let latest = served.latestCheckpoint, latest.size > checkpointSent {
                    checkpointSent = latest.size
                    try await writer.write(Self.checkpointFrame(latest.note))
                    continue
                }
                if await !served.changes.change(after: seen, within: keepAlive) {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// A checkpoint note as one event: one `data:` line per note line.
    static func checkpointFrame(_ note: String) -> ByteBuffer {
        var frame = ByteBuffer(string: "event: checkpoint\n")
        var lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        for line in lines { frame.writeString("data: \(line)\n") }
        frame.writeString("\n")
        return frame
    }
}
