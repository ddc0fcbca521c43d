import Foundation
import Hummingbird
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerWire

/// `POST v1/entries` (DESIGN §11.3): signed events, one `{"event","sig"}` line each, appended
/// all or nothing; the receipts once all are durable, or with `?wait=checkpoint` once a
/// published checkpoint covers them, each with its tlog-proof.
///
/// The checks run cheapest first and touch nothing stored: content type (415), size (413),
/// request signature (401/403), the submitter's rate (429), the lines (400), the queue (503);
/// then the sequencer judges every event by the rules of §7 (409 an id reused, 422 any other
/// rule) and writes all of them or none. A front end of a PostgreSQL store hands the request,
/// once read within its limits, to the store's writer (``AppendForwarder``).
struct AppendEndpoint: Sendable {
    let served: ServedLedger
    let authenticator: RequestAuthenticator
    let rates: SubmitterRateLimiter
    let forwarder = AppendForwarder()

    func handle(_ request: Request, context: inout LedgerRequestContext) async -> Response {
        do throws(Refusal) {
            return try await append(request, context: &context)
        } catch {
            served.metrics.refused(code: error.error.code, status: error.error.status)
            return error.response
        }
    }

    private func append(_ request: Request, context: inout LedgerRequestContext) async throws(Refusal) -> Response {
        let options = served.options
        // The media type before any parameter, trimmed of spaces and tabs, lowercased (not
        // Foundation's trimming, which bridged through NSString on every append).
        let contentType = request.headers[.contentType]?.split(separator: ";").first
            .map { String($0.drop { $0 == " " || $0 == "\t" }.reversed().drop { $0 == " " || $0 == "\t" }.reversed()).lowercased() }
        guard contentType == "application/x-ndjson" else {
            throw Refusal(415, "unsupportedMediaType", "appends are sent as Content-Type: application/x-ndjson (one {\"event\",\"sig\"} line per event), not \(contentType.map { "'\($0)'" } ?? "no content type")")
        }
        if served.isFrontEnd {
            // Another `serve` is the store's writer: it judges this append, signature included
            // (remembering it here would make the writer see a replay).
            let body = try await readBody(request)
            guard let writerURL = try? served.writerURL() else {
                throw Refusal(503, "unavailable", "this front end hands appends to the ledger's writer, and none is advertised yet (a writer is being elected); retry", retryAfter: 1)
            }
            served.metrics.forwardedAppends.increment()
            return await forwarder.forward(request, body: body, to: writerURL)
        }
        let waitForCheckpoint: Bool
        switch request.uri.queryParameters.get("wait") {
        case nil: waitForCheckpoint = false
        case "checkpoint":
            guard options.operatorKey != nil else {
                throw Refusal(400, "noCheckpoints", "this server publishes no checkpoints (it was started without --operator-key); append without ?wait=checkpoint")
            }
            waitForCheckpoint = true
        case let other?:
            throw Refusal(400, "badRequest", "unknown wait=\(quotedForMessage(other)); the only value is wait=checkpoint")
        }
        // The signature first, over the headers: an unsigned or forged request is refused
        // before a byte of its body is read (or held for the body's timeout).
        let (party, signature) = try authenticator.signer(of: request)
        context.party = party
        let body = try await readBody(request)
        try authenticator.check(body: body, against: signature, of: request)
        let lines = try Self.lines(of: body, maxLines: options.maxLines)
        if let wait = rates.admit(party, events: lines.count) {
            throw Refusal(429, "rateLimited", "\(party) may append \(String(format: "%g", options.ratePerSecond)) events per second; this request of \(lines.count) exceeds what is left; retry after \(wait) s", retryAfter: wait)
        }
        let events = try Self.parse(lines)
        do {
            try served.enterAppend()
        } catch .stopping {
            throw Refusal(503, "unavailable", "the server is stopping and takes no more appends; retry against it once it is back", retryAfter: 5)
        } catch {
            throw Refusal(503, "unavailable", "the server's append queue is full (\(options.maxQueuedAppends) requests wait); retry shortly", retryAfter: 1)
        }
        let started = ContinuousClock.now
        // The writer this append goes to and the PostgreSQL store under it: the store's stop
        // reason says the writer stepped down even after the supervisor has replaced it (then
        // `stepDownReason`, which reads the current writer's store, no longer knows; the append
        // got a 500).
        let (writer, store) = served.writerAndStore
        let receipts: [Receipt]
        do throws(StoreError) {
            defer { served.leaveAppend() }
            guard let writer else {
                throw StoreError(.locked, "this serve became a front end of the store while the append waited")
            }
            receipts = try await writer.append(events)
        } catch {
            if error.violation == nil, let reason = served.stepDownReason ?? store?.stopReason {
                // A PostgreSQL writer stepped down (deposed, or a COMMIT of unknown outcome): a new
                // one is being elected, and a retry gets the original receipt if this committed.
                throw Refusal(503, "unavailable", "the ledger's writer stepped down (\(reason.message)); a new writer is being elected: retry", retryAfter: 1)
            }
            throw Self.refusal(for: error)
        }
        let elapsed = ContinuousClock.now - started
        served.metrics.commitLatency.recordNanoseconds(elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000)
        served.changes.advance()
        served.metrics.appendRequests.increment()
        served.metrics.appendedEntries.increment(by: receipts.count)
        served.metrics.batchSize.record(receipts.count)
        if waitForCheckpoint {
            return try await withProofs(receipts)
        }
        var out: [UInt8] = []
        out.reserveCapacity(receipts.count * 90)
        for receipt in receipts {
            out += CanonicalJSON.encode(receipt.json)
            out.append(0x0a)
        }
        return WireAnswer.ok(out, contentType: "application/x-ndjson")
    }

    /// The request's body, within the size and time limits.
    private func readBody(_ request: Request) async throws(Refusal) -> [UInt8] {
        try await RequestBodyReader.collect(request, limit: served.options.maxBodyBytes, timeout: .seconds(served.options.bodyTimeoutSeconds),
                                            advice: "send at most 1000 lines and 4 MiB per request")
    }

    /// The body's lines (a final newline is optional), within the line count and length limits.
    static func lines(of body: [UInt8], maxLines: Int) throws(Refusal) -> [ArraySlice<UInt8>] {
        // Counted before splitting: 4 MiB of newlines would be four million slices.
        let newlines = body.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) }
        let count = newlines + (body.last == 0x0a || body.isEmpty ? 0 : 1)
        guard count <= maxLines else {
            throw Refusal(400, "tooManyLines", "the request holds \(count) lines; at most \(maxLines) may be sent at once: split it into several requests")
        }
        var lines = body.split(separator: 0x0a, omittingEmptySubsequences: false)
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard !lines.isEmpty else {
            throw Refusal(400, "malformed", "the request body holds no lines; send one {\"event\",\"sig\"} line per event")
        }
        for (index, line) in lines.enumerated() where line.count > CanonicalJSON.maxLineBytes {
            throw Refusal(400, "lineTooLong", "line \(index + 1) is \(line.count) bytes; an event line may be at most \(CanonicalJSON.maxLineBytes) bytes", line: index + 1)
        }
        return lines
    }

    /// Each line as a signed event, canonical as `flowledger sign` writes it.
    static func parse(_ lines: [ArraySlice<UInt8>]) throws(Refusal) -> [SignedEvent] {
        var events: [SignedEvent] = []
        events.reserveCapacity(lines.count)
        for (index, line) in lines.enumerated() {
            do {
                events.append(try SignedEvent(canonicalLine: line))
            } catch {
                let code = error.code == .notCanonical ? "notCanonical" : "malformed"
                throw Refusal(400, code, "line \(index + 1): \(error)", line: index + 1, field: error.field)
            }
        }
        return events
    }

    /// The answer for a refused append: the rule, its line and seq, as the CLI says it.
    static func refusal(for error: StoreError) -> Refusal {
        let line = error.batchIndex.map { $0 + 1 }
        if let violation = error.violation {
            let status = violation.code == .idConflict ? 409 : 422
            return Refusal(status, violation.code.description, error.message, line: line, seq: violation.seq,
                           rule: violation.rule, field: violation.field)
        }
        switch error.code {
        case .malformed: return Refusal(400, "malformed", error.message, line: line)
        case .closed: return Refusal(503, "unavailable", "the ledger is closing; retry once the server is back", retryAfter: 5)
        case .locked: return Refusal(503, "unavailable", "the ledger's writer stepped down (\(error.message)); a new writer is being elected: retry", retryAfter: 1)
        default: return Refusal(500, error.code.description, "the server could not append: \(error.message)")
        }
    }

    /// Waits until a published checkpoint covers every receipt, then answers each with its proof;
    /// 503 if none does within `--checkpoint-wait` (the entries are durable: a retry of the same
    /// append gets their receipts).
    private func withProofs(_ receipts: [Receipt]) async throws(Refusal) -> Response {
        let needed = (receipts.map(\.seq).max() ?? -1) + 1
        let deadline = ContinuousClock.now + .milliseconds(served.options.checkpointWaitMilliseconds)
        var covering: Int64
        while true {
            let seen = served.changes.generation
            if let latest = served.latestCheckpoint, latest.size >= needed {
                covering = latest.size
                break
            }
            if served.isStopping {
                throw Refusal(503, "unavailable", "the server stopped before a checkpoint covered these entries; they are durable: ask GET v1/proof?seq=… once it is back", retryAfter: 5)
            }
            let left = deadline - ContinuousClock.now
            if left <= .zero {
                let first = receipts.map(\.seq).min() ?? 0
                throw Refusal(503, "unavailable", "entries \(first)…\(needed - 1) are durable, but no checkpoint covering them was published within \(served.options.checkpointWaitMilliseconds / 1000) s (checkpoints may be held back by witnesses that do not answer); send the same append again later for its receipts, or ask GET v1/proof?seq=\(needed - 1) once a checkpoint covers it", retryAfter: 5)
            }
            _ = await served.changes.change(after: seen, within: left)
        }
        var out: [UInt8] = []
        for receipt in receipts {
            let proof: TLogProof
            do {
                proof = try served.proofs.inclusionProof(seq: receipt.seq, checkpointSize: covering)
            } catch {
                throw Refusal(500, "proofFailed", "entry \(receipt.seq) is durable but its proof failed: \(error)")
            }
            out += CanonicalJSON.encode(.object(["hash": .string(receipt.leafHash.hex), "proof": .string(proof.text), "seq": .integer(receipt.seq)]))
            out.append(0x0a)
        }
        return WireAnswer.ok(out, contentType: "application/x-ndjson")
    }
}
