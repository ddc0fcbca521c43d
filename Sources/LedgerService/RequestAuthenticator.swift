import Hummingbird
import HTTPTypes
import LedgerStore
import LedgerCrypto
import LedgerWire

/// Who signed a request (DESIGN §11.4): checks its RFC 9421 signature against the ledger's
/// registered parties' keys, the server's clock and the signatures already seen.
struct RequestAuthenticator: Sendable {
    let served: ServedLedger
    let replays: SignatureReplayGuard
    let verifier = RequestSignatureVerifier()
    /// The scheme clients use (`https` with TLS).
    let scheme: String

    /// The party that signed `request` (with `body`), or the refusal: 401 for a missing,
    /// malformed, stale, replayed or unknown-key signature, 403 for a suspended party.
    func party(of request: Request, body: [UInt8]?) throws(Refusal) -> String {
        let (party, signature) = try signer(of: request)
        try check(body: body ?? [], against: signature, of: request)
        return party
    }

    /// The party whose signature over `request`'s headers holds (everything ``party(of:body:)``
    /// checks but the body), with the signature for ``check(body:against:of:)`` once the body is
    /// read: a request is judged before its body is, so a stranger's megabytes are never read.
    /// The signature is remembered here (a replay is refused even if its body then fails).
    func signer(of request: Request) throws(Refusal) -> (party: String, signature: ParsedRequestSignature) {
        let target = targetURI(of: request)
        let now = UnixTime.now()
        do {
            let parsed = try RequestSignatureVerifier.parse(
                signatureInput: request.headers[.signatureInput], signature: request.headers[.signature],
                method: request.method.rawValue, targetURI: target,
                headers: { name in HTTPField.Name(name).flatMap { request.headers[$0] } })
            let party: String
            let key: PublicKey
            var standing = served.partyDirectory.standing(ofKey: parsed.keyID)
            if standing == .unknown, served.catchUpFrontEndForUnknownKey() {
                // A front end may not have replayed the party's registration yet.
                standing = served.partyDirectory.standing(ofKey: parsed.keyID)
            }
            switch standing {
            case .active(let p, let k): (party, key) = (p, k)
            case .suspended(let p):
                throw Refusal(403, "forbidden", "the request is signed by \(p), whose party is suspended on this ledger; a suspended party may neither read nor append")
            case .retired(let p):
                throw Refusal(401, "unauthenticated", "the request is signed with key id \(parsed.keyID), a key \(p) has rotated away from; sign requests with the party's current key")
            case .unknown:
                throw Refusal(401, "unauthenticated", "the request is signed with key id \(parsed.keyID), which belongs to no registered party of this ledger; register the party (party.registered) or sign with a registered party's key")
            }
            try verifier.verifyHeaders(parsed, publicKey: key, now: now)
            switch replays.admit(signature: parsed.signature, expires: parsed.expires ?? now, now: now, holder: party) {
            case .admitted: break
            case .replayed:
                throw Refusal(401, "unauthenticated", "this request signature was already used (a replayed request); sign every request anew")
            case .full:
                throw Refusal(503, "unavailable", "the server is remembering too many recent request signatures to accept another now; retry shortly", retryAfter: 1)
            case .holderFull:
                throw Refusal(503, "unavailable", "\(party) has \(replays.holderCapacity) request signatures the server still remembers (each until it expires), the most one party may have; send fewer requests, or sign them with a shorter lifetime (expires - created), and retry shortly", retryAfter: 1)
            }
            return (party, parsed)
        } catch let error as RequestSignatureError {
            throw Refusal(401, "unauthenticated", "request signature (\(target)): \(error)")
        } catch let refusal as Refusal {
            throw refusal
        } catch {
            throw Refusal(401, "unauthenticated", "request signature (\(target)): \(error)")
        }
    }

    /// Refuses (401) a `body` that the signature of ``signer(of:)`` does not cover or whose
    /// `Content-Digest` it does not match.
    func check(body: [UInt8], against signature: ParsedRequestSignature, of request: Request) throws(Refusal) {
        do {
            try RequestSignatureVerifier.checkBody(body, of: signature)
        } catch {
            throw Refusal(401, "unauthenticated", "request signature (\(targetURI(of: request))): \(error)")
        }
    }

    /// The `@target-uri` a client signed: the public base URL when one is configured (behind a
    /// proxy), else the scheme, the `Host` the client sent and the path with its query.
    func targetURI(of request: Request) -> String {
        let path = request.head.path ?? "/"
        if let base = served.options.publicURL {
            return (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
        }
        return "\(scheme)://\(request.head.authority ?? "localhost")\(path)"
    }
}

extension HTTPField.Name {
    /// RFC 9421 `Signature-Input`.
    static let signatureInput = HTTPField.Name("Signature-Input")!
    /// RFC 9421 `Signature`.
    static let signature = HTTPField.Name("Signature")!
    /// RFC 9530 `Content-Digest`.
    static let contentDigest = HTTPField.Name("Content-Digest")!
    /// Server-Sent Events resumption.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
}
