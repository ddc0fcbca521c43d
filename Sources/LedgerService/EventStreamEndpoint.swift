import Hummingbird
import LedgerCrypto
import LedgerStore
import LedgerWire
import NIOCore

/// `GET v1/events?from=S` (DESIGN §11.2): Server-Sent Events, every entry from seq S as
/// `id: <seq>`, `event: entry`, `data: <line>` once it is durable, every checkpoint published
/// while the stream is open as `event: checkpoint` (one `data:` line per note line), and a comment
/// line at least every 15 s. `Last-Event-ID: N` resumes after seq N. A signed stream ends when
/// its signature expires or its party may read no more (the client reconnects, signing anew).
///
/// A follower costs a suspended task, not a thread: it waits on the service's ``ChangeSignal``.
struct EventStreamEndpoint: Sendable {
    let served: ServedLedger

    /// The most entries written between two looks at the signal.
    static let batch: Int64 = 1024

    /// The stream for `request`, checked by `signature` (nil for an unsigned public read): it
    /// ends once that signature expires or its key stops being an active party's (suspended,
    /// rotated away), so a reader's standing is judged all along, not only when it connects; a
    /// client reconnects with a fresh signature and resumes after the last id. `channel` is
    /// closed when the client leaves a write untaken for `--idle-timeout` (it stopped reading).
    func handle(_ request: Request, channel: any Channel, signature: ParsedRequestSignature?) throws(Refusal) -> Response {
        // One spelling of a seq, as every read takes it (ReadEndpoints.integer).
        var from = try ReadEndpoints.integer(request, "from") ?? 0
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
        let stalled = TimeAmount.seconds(served.options.idleTimeoutSeconds)
        // Taken before the answer's head goes out: a client reads `GET checkpoint` once the head
        // arrives, so every checkpoint is either in that answer or on this stream, none in neither.
        let published = served.latestCheckpoint?.size ?? -1
        let body = ResponseBody { writer in
            served.follower(joined: true)
            defer { served.follower(joined: false) }
            var next = start
            var checkpointSent = published
            while !served.isStopping {
                if let signature, let lapse = Self.lapse(of: signature, served: served) {
                    try await writer.write(ByteBuffer(string: ": \(lapse)\n\n"), closing: channel, unlessTakenWithin: stalled)
                    break
                }
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
                    try await writer.write(frame, closing: channel, unlessTakenWithin: stalled)
                    continue
                }
                if let latest = served.latestCheckpoint, latest.size > checkpointSent {
                    checkpointSent = latest.size
                    try await writer.write(Self.checkpointFrame(latest.note), closing: channel, unlessTakenWithin: stalled)
                    continue
                }
                // Wake at the signature's expiry at the latest, to end the stream then.
                var wait = keepAlive
                if let expires = signature?.expires { wait = min(wait, .seconds(max(0, expires - UnixTime.now())) + .milliseconds(50)) }
                if await !served.changes.change(after: seen, within: wait) {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"), closing: channel, unlessTakenWithin: stalled)
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    /// Why the signature that opened a stream no longer lets it go on, or nil while it does.
    static func lapse(of signature: ParsedRequestSignature, served: ServedLedger) -> String? {
        if let expires = signature.expires, UnixTime.now() >= expires {
            return "the request signature expired; reconnect with a new one (Last-Event-ID resumes)"
        }
        if case .active = served.partyDirectory.standing(ofKey: signature.keyID) { return nil }
        return "the signing key is no longer an active party's (suspended or rotated); this stream ends"
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
