import LedgerCrypto

/// Checks request signatures against FlowLedger's policy (DESIGN §11.4), in two phases so that
/// the server can find the key in its ledger state between them:
///
/// ```swift
/// let parsed = try RequestSignatureVerifier.parse(signatureInput: h["signature-input"],
///     signature: h["signature"], method: "POST", targetURI: uri, headers: { h[$0] })
/// guard let key = state.activeKey(id: parsed.keyID) else { throw RequestSignatureError.unknownKey(parsed.keyID) }
/// try RequestSignatureVerifier().verify(parsed, publicKey: key, body: body, now: now)
/// try replayGuard.admit(parsed, now: now)   // last: only verified signatures take memory
/// ```
///
/// The policy: the member labelled `fl` (or else the first with `tag="flowledger/v1"`); `tag`,
/// `keyid`, `alg`, `created` and `expires` present; `@method` and `@target-uri` covered, and
/// `content-digest` covered and matching whenever there is a body; `created` within
/// ``maxClockSkew`` of the clock either way; `0 < expires - created <= maxLifetime`;
/// `expires > now`; `alg` the key's suite; and the signature valid over the signature base.
/// ``verifySignature(label:signatureInput:signature:request:publicKey:)`` checks any RFC 9421
/// signature without this policy.
public struct RequestSignatureVerifier: Sendable {
    /// How far `created` may be from the clock, in seconds.
    public let maxClockSkew: Int64
    /// The longest `expires - created` accepted, in seconds.
    public let maxLifetime: Int64

    /// A verifier with DESIGN §11.4's limits (300 s each) unless a test asks for others.
    public init(maxClockSkew: Int64 = RequestSignaturePolicy.maxClockSkew, maxLifetime: Int64 = RequestSignaturePolicy.maxLifetime) {
        self.maxClockSkew = maxClockSkew
        self.maxLifetime = maxLifetime
    }

    // MARK: - Phase 1

    /// Reads the `Signature-Input` and `Signature` fields (nil when absent) and builds the
    /// signature base from the request.
    /// - Throws: ``RequestSignatureError/Code/missing`` without either field, without a FlowLedger
    ///   member or without `keyid`; ``RequestSignatureError/Code/malformed`` for fields that do not
    ///   parse; any error of ``SignatureBase/build(for:request:)``.
    public static func parse(signatureInput: String?, signature: String?, method: String, targetURI: String,
                             headers: @escaping (String) -> String?) throws(RequestSignatureError) -> ParsedRequestSignature {
        guard let signatureInput, !signatureInput.isEmpty else {
            throw RequestSignatureError(.missing, "the request has no Signature-Input header; sign requests with your party's ledger key (RFC 9421, DESIGN §11.4), e.g. with FlowLedger's client")
        }
        guard let signature, !signature.isEmpty else {
            throw RequestSignatureError(.missing, "the request has a Signature-Input header but no Signature header; send both")
        }
        let inputs = try SignatureInput.parseAll(signatureInput)
        guard let input = inputs.first(where: { $0.label == RequestSignaturePolicy.label })
            ?? inputs.first(where: { $0.tag == RequestSignaturePolicy.tag }) else {
            let labels = inputs.map(\.label).joined(separator: ", ")
            throw RequestSignatureError(.missing, "Signature-Input: no FlowLedger signature (label \"fl\" or tag \"flowledger/v1\"; found: \(RequestSignatureError.quoted(labels))); sign with FlowLedger's request signer")
        }
        let bytes = try signatureBytes(label: input.label, field: signature)
        guard let keyID = input.keyID else {
            throw RequestSignatureError(.missing, "Signature-Input: \"\(input.label)\" has no keyid parameter; FlowLedger needs keyid=\"<your key id>\" to find the key")
        }
        let request = SignedRequestView(method: method, targetURI: targetURI, headers: headers)
        let base = try SignatureBase.build(for: input, request: request)
        return ParsedRequestSignature(input: input, keyID: keyID, signature: bytes, signatureBase: base,
                                      contentDigest: headers(ContentDigest.fieldName))
    }

    // MARK: - Phase 2

    /// Enforces FlowLedger's policy and checks the signature with the key found for
    /// ``ParsedRequestSignature/keyID``. `body` is the request's content (nil or empty: none).
    /// Does not remember the signature: pass it to ``SignatureReplayGuard`` afterwards.
    public func verify(_ parsed: ParsedRequestSignature, publicKey: PublicKey, body: [UInt8]?, now: Int64) throws(RequestSignatureError) {
        try verifyHeaders(parsed, publicKey: publicKey, now: now)
        try Self.checkBody(body ?? [], of: parsed)
    }

    /// Everything ``verify(_:publicKey:body:now:)`` checks but the body: the policy, the clock
    /// and the signature over the signed headers (which include `Content-Digest`). A server
    /// checks this before it reads a body (a stranger's megabytes are refused unread), then the
    /// body with ``checkBody(_:of:)``.
    public func verifyHeaders(_ parsed: ParsedRequestSignature, publicKey: PublicKey, now: Int64) throws(RequestSignatureError) {
        let input = parsed.input
        let label = input.label
        guard parsed.keyID == publicKey.keyID else {
            throw RequestSignatureError(.unknownKey, "Signature-Input: keyid \"\(RequestSignatureError.quoted(parsed.keyID))\" is not the id of the key given to check it (\(publicKey.keyID))")
        }
        guard let tag = input.tag else {
            throw RequestSignatureError(.missing, "Signature-Input: \"\(label)\" has no tag parameter; FlowLedger signatures carry tag=\"\(RequestSignaturePolicy.tag)\"")
        }
        guard tag == RequestSignaturePolicy.tag else {
            throw RequestSignatureError(.malformed, "Signature-Input: \"\(label)\" has tag \"\(RequestSignatureError.quoted(tag))\"; this server accepts tag=\"\(RequestSignaturePolicy.tag)\"")
        }
        let expectedAlg = RequestSignaturePolicy.alg(for: publicKey.suite)
        guard let alg = input.alg else {
            throw RequestSignatureError(.missing, "Signature-Input: \"\(label)\" has no alg parameter; send alg=\"\(expectedAlg)\" for this key")
        }
        guard alg == expectedAlg else {
            throw RequestSignatureError(.wrongAlgorithm, "Signature-Input: alg=\"\(RequestSignatureError.quoted(alg))\" but key \(publicKey.keyID) is a \(publicKey.suite.keyPrefix) key, signed with alg=\"\(expectedAlg)\"")
        }
        for required in ["@method", "@target-uri"] where !input.coveredComponents.contains(required) {
            throw RequestSignatureError(.notCovered, "Signature-Input: \"\(label)\" does not cover \"\(required)\"; FlowLedger signatures cover (\"@method\" \"@target-uri\" [\"content-digest\"])")
        }
        if input.coveredComponents.contains(ContentDigest.fieldName), parsed.contentDigest == nil {
            // Building the base would have failed first; kept so that the body check can rely on it.
            throw RequestSignatureError(.missing, "the request has no Content-Digest header; send Content-Digest: sha-256=:<base64 of SHA-256 of the body>:")
        }
        try checkTimes(input, now: now)
        guard publicKey.verify(signature: parsed.signature, message: Array(parsed.signatureBase.utf8)) else {
            throw Self.badSignature(label: label, keyID: publicKey.keyID, base: parsed.signatureBase)
        }
    }

    /// The body against the signed headers: a body needs `content-digest` covered, and a covered
    /// digest must match the body (checked even for an empty one, so that a body dropped on the
    /// way is noticed).
    public static func checkBody(_ body: [UInt8], of parsed: ParsedRequestSignature) throws(RequestSignatureError) {
        let coversDigest = parsed.input.coveredComponents.contains(ContentDigest.fieldName)
        if !body.isEmpty && !coversDigest {
            throw RequestSignatureError(.notCovered, "Signature-Input: the request has a body but \"\(parsed.input.label)\" does not cover \"content-digest\"; send Content-Digest: sha-256=:…: and cover it")
        }
        if coversDigest {
            guard let digest = parsed.contentDigest else {
                throw RequestSignatureError(.missing, "the request has no Content-Digest header; send Content-Digest: sha-256=:<base64 of SHA-256 of the body>:")
            }
            try ContentDigest.check(digest, body: body)
        }
    }

    /// `created`, `expires` and the clock.
    private func checkTimes(_ input: SignatureInput, now: Int64) throws(RequestSignatureError) {
        let label = input.label
        guard let created = input.created else {
            throw RequestSignatureError(.missing, "Signature-Input: \"\(label)\" has no created parameter; send created=<seconds since the epoch>")
        }
        guard let expires = input.expires else {
            throw RequestSignatureError(.missing, "Signature-Input: \"\(label)\" has no expires parameter; send expires=<created + at most \(maxLifetime)>")
        }
        // Parsed integers have at most 15 digits, so these differences cannot overflow unless
        // `now` itself is absurd; saturate rather than trap.
        let lifetime = Self.difference(expires, created)
        guard lifetime > 0 else {
            throw RequestSignatureError(.malformed, "Signature-Input: expires (\(expires)) is not after created (\(created))")
        }
        guard lifetime <= maxLifetime else {
            throw RequestSignatureError(.tooLongLived, "Signature-Input: the signature is valid for \(lifetime) s (expires - created); at most \(maxLifetime) s is allowed; sign with a shorter lifetime")
        }
        let age = Self.difference(now, created)
        guard age <= maxClockSkew else {
            throw RequestSignatureError(.clockSkew, "the request's signature was created \(age) s before the server's clock (allowed: \(maxClockSkew) s); check the client's clock, or sign the request again")
        }
        guard age >= -maxClockSkew else {
            throw RequestSignatureError(.clockSkew, "the request's signature was created \(Self.difference(created, now)) s after the server's clock (allowed: \(maxClockSkew) s); check the client's clock")
        }
        guard expires > now else {
            throw RequestSignatureError(.expired, "the request's signature expired \(Self.difference(now, expires)) s ago (expires=\(expires)); sign the request again just before sending it")
        }
    }

    // MARK: - Any RFC 9421 signature

    /// Verifies the signature labelled `label` with `publicKey`, with no FlowLedger policy: no
    /// clock, lifetime, coverage or tag rules. When the signature has an `alg` it must match the
    /// key (`ed25519`, or `sm2-sm3`). For interoperability tests such as RFC 9421 Appendix B.
    public static func verifySignature(label: String, signatureInput: String, signature: String,
                                       request: SignedRequestView, publicKey: PublicKey) throws(RequestSignatureError) {
        guard let input = try SignatureInput.parseAll(signatureInput).first(where: { $0.label == label }) else {
            throw RequestSignatureError(.missing, "Signature-Input: no member labelled \"\(RequestSignatureError.quoted(label))\"")
        }
        let bytes = try signatureBytes(label: label, field: signature)
        if let alg = input.alg, alg != RequestSignaturePolicy.alg(for: publicKey.suite) {
            throw RequestSignatureError(.wrongAlgorithm, "Signature-Input: alg=\"\(RequestSignatureError.quoted(alg))\" does not match the \(publicKey.suite.keyPrefix) key")
        }
        let base = try SignatureBase.build(for: input, request: request)
        guard publicKey.verify(signature: bytes, message: Array(base.utf8)) else {
            throw badSignature(label: label, keyID: publicKey.keyID, base: base)
        }
    }

    // MARK: - Shared

    /// The byte sequence of member `label` of a `Signature` field.
    private static func signatureBytes(label: String, field: String) throws(RequestSignatureError) -> [UInt8] {
        let dictionary = try StructuredFieldParser.parseDictionary(field, field: "Signature")
        guard let member = dictionary[label] else {
            throw RequestSignatureError(.missing, "Signature: no member \"\(RequestSignatureError.quoted(label))\" to go with Signature-Input's; send the signature under the same label")
        }
        guard case .item(let item) = member, case .byteSequence(let bytes) = item.value, !bytes.isEmpty else {
            throw RequestSignatureError(.malformed, "Signature: member \"\(RequestSignatureError.quoted(label))\" must be a byte sequence, :<base64 of the signature>:")
        }
        return bytes
    }

    /// Names the key and the derived values the verifier saw, so that a client whose URI or
    /// method differs from the server's view can tell.
    private static func badSignature(label: String, keyID: String, base: String) -> RequestSignatureError {
        let seen = base.split(separator: "\n").filter { $0.hasPrefix("\"@method\"") || $0.hasPrefix("\"@target-uri\"") }
        let detail = seen.isEmpty ? "" : " over " + seen.map { RequestSignatureError.quoted($0, limit: 200) }.joined(separator: ", ")
        return RequestSignatureError(.badSignature, "Signature: \"\(RequestSignatureError.quoted(label))\" does not verify with key \(keyID)\(detail); sign exactly this method and URI with that key, and do not change signed headers or the body afterwards")
    }

    /// a - b, saturating instead of overflowing.
    private static func difference(_ a: Int64, _ b: Int64) -> Int64 {
        let (result, overflow) = a.subtractingReportingOverflow(b)
        if overflow { return a > b ? .max : .min }
        return result
    }
}
