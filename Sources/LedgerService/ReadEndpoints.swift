import Hummingbird
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerWire

/// FlowLedger's own reads (DESIGN §11.2) and the latest checkpoint: stored lines byte for byte,
/// proofs checked before they are served, published checkpoints. Durable entries only.
struct ReadEndpoints: Sendable {
    let served: ServedLedger
    let authenticator: RequestAuthenticator

    /// Runs `body` once the reader may read (§11.4): a registered party's signature, or anyone
    /// with `--public-read`; a refusal becomes its answer.
    func guarded(_ request: Request, _ context: inout LedgerRequestContext,
                 _ body: () async throws(Refusal) -> Response) async -> Response {
        await authorized(request, &context) { _ async throws(Refusal) in try await body() }
    }

    /// ``guarded(_:_:_:)`` for an answer that outlives the check (an event stream): `body` gets
    /// the signature that was checked (nil for an unsigned `--public-read` request), so that it
    /// can stop once the signature expires or its party may read no more.
    func authorized(_ request: Request, _ context: inout LedgerRequestContext,
                    _ body: (ParsedRequestSignature?) async throws(Refusal) -> Response) async -> Response {
        do throws(Refusal) {
            var signature: ParsedRequestSignature?
            if !served.options.publicRead || request.headers[.signatureInput] != nil {
                let signer = try authenticator.signer(of: request)
                try authenticator.check(body: [], against: signer.signature, of: request)
                (context.party, signature) = (signer.party, signer.signature)
            }
            return try await body(signature)
        } catch {
            served.metrics.refused(code: error.error.code, status: error.error.status)
            return error.response
        }
    }

    /// `GET v1/entries?from=S[&limit=N]`: the stored lines from seq S, at most N (≤ 1000).
    func entries(_ request: Request) throws(Refusal) -> Response {
        let from = try Self.integer(request, "from", required: true)!
        let limit = try Self.integer(request, "limit") ?? served.options.maxReadEntries
        guard limit >= 1, limit <= served.options.maxReadEntries else {
            throw Refusal(400, "badRequest", "limit=\(limit): ask for 1 to \(served.options.maxReadEntries) entries at a time")
        }
        // A `from` near Int64.max must not overflow: no log holds entries up there anyway.
        let (end, overflow) = from.addingReportingOverflow(limit)
        let lines: [[UInt8]]
        do {
            lines = try served.durableLines(from..<(overflow ? Int64.max : end))
        } catch {
            throw Refusal(500, "io", "reading entries \(from)…: \(error)")
        }
        var out: [UInt8] = []
        out.reserveCapacity(lines.reduce(0) { $0 + $1.count + 1 })
        for line in lines {
            out += line
            out.append(0x0a)
        }
        return WireAnswer.ok(out, contentType: "application/x-ndjson")
    }

    /// `GET v1/proof?seq=S[&size=N]`: a tlog-proof of entry S (JSON with `Accept: application/json`).
    func proof(_ request: Request) throws(Refusal) -> Response {
        let seq = try Self.integer(request, "seq", required: true)!
        let size = try Self.integer(request, "size")
        do {
            let proof = try served.proofs.inclusionProof(seq: seq, checkpointSize: size)
            if Self.wantsJSON(request) {
                return WireAnswer.ok(CanonicalJSON.encode(try proof.json(hash: served.manifest.suite.hash)) + [0x0a], contentType: "application/json")
            }
            return WireAnswer.ok(Array(proof.text.utf8), contentType: "text/x.tlog-proof; charset=utf-8")
        } catch {
            throw Self.refusal(error)
        }
    }

    /// `GET v1/consistency?old=M[&new=N]`: the consistency proof between two published checkpoints.
    func consistency(_ request: Request) throws(Refusal) -> Response {
        let old = try Self.integer(request, "old", required: true)!
        let new = try Self.integer(request, "new")
        if let new, old > new {
            throw Refusal(400, "badRequest", "old=\(old) is larger than new=\(new); a consistency proof goes from a smaller checkpoint to a larger one")
        }
        do {
            let (proof, _, _) = try served.proofs.consistencyProof(old: old, new: new)
            if Self.wantsJSON(request) {
                return WireAnswer.ok(CanonicalJSON.encode(proof.json) + [0x0a], contentType: "application/json")
            }
            return WireAnswer.ok(Array(proof.text.utf8), contentType: "text/plain; charset=utf-8")
        } catch {
            throw Self.refusal(error)
        }
    }

    /// `GET v1/checkpoints/<N>`: the published checkpoint of size N.
    func checkpoint(size text: String) throws(Refusal) -> Response {
        guard let size = Int64(text), size >= 0, String(size) == text else {
            throw Refusal(400, "badRequest", "v1/checkpoints/\(quotedForMessage(text)): name a checkpoint by its size, a decimal number without leading zeros")
        }
        do {
            let (_, note) = try served.log.checkpoint(size: size)
            // As a tile's: `private` unless reads are public, so no shared cache keeps a signed read.
            return WireAnswer.ok(Array(note.utf8), contentType: "text/plain; charset=utf-8",
                                 cacheControl: TileEndpoint.cacheControl(publicRead: served.options.publicRead))
        } catch {
            throw Self.refusal(error)
        }
    }

    /// `GET checkpoint`: the latest published checkpoint.
    func latestCheckpoint() throws(Refusal) -> Response {
        guard let latest = served.latestCheckpoint else {
            throw Refusal(404, "notFound", "no checkpoint has been published yet; the operator publishes one with serve --operator-key, or `flowledger checkpoint`")
        }
        return WireAnswer.ok(Array(latest.note.utf8), contentType: "text/plain; charset=utf-8", cacheControl: "no-cache")
    }

    /// `GET v1/ledger`: the ledger's manifest (`ledger.json`: format, origin, suite, operator
    /// key), so a client learns what to check before it trusts anything else. A client pins it
    /// on first use; the checkpoints it then checks are signed by that operator key.
    func ledger() -> Response {
        WireAnswer.ok(served.manifest.bytes, contentType: "application/json", cacheControl: "no-cache")
    }

    static func wantsJSON(_ request: Request) -> Bool {
        request.headers[.accept]?.contains("application/json") ?? false
    }

    /// A query parameter as a whole number.
    static func integer(_ request: Request, _ name: String, required: Bool = false) throws(Refusal) -> Int64? {
        let given = request.uri.queryParameters.getAll(name)
        guard let text = given.first else {
            if required { throw Refusal(400, "badRequest", "give ?\(name)=N") }
            return nil
        }
        guard given.count == 1 else {
            throw Refusal(400, "badRequest", "\(name) is given \(given.count) times; give it once")
        }
        // One spelling per number, as a checkpoint's size in a path: `+5`, `05` and `-1` name
        // no seq or size, and answering them would make two URLs of one resource.
        guard let value = Int64(text), value >= 0, String(value) == text else {
            throw Refusal(400, "badRequest", "\(name)=\(quotedForMessage(text)): give a decimal number of 0 or more, without sign or leading zeros")
        }
        return value
    }

    /// A store's refusal of a read: out of range is 404, the rest 500.
    static func refusal(_ error: any Error) -> Refusal {
        if let error = error as? StoreError, error.code == .outOfRange {
            return Refusal(404, "notFound", error.message)
        }
        return Refusal(500, "internal", "\(error)")
    }
}
