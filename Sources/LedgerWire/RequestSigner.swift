import LedgerCrypto

/// Signs outgoing requests the way a FlowLedger server checks them (DESIGN §11.4): label `fl`,
/// covering `@method`, `@target-uri` and, with a body, `content-digest`; `created`, `expires`,
/// `keyid` (the key's §3 id), `alg`, `tag="flowledger/v1"` and a random `nonce`.
///
/// ```swift
/// let signer = RequestSigner(key: key)
/// for (name, value) in try signer.headers(method: "POST", targetURI: url, body: body, now: now) {
///     request.headerFields[name] = value
/// }
/// ```
public struct RequestSigner: Sendable {
    /// The party's ledger key.
    public let key: PrivateKey
    /// Seconds from `created` to `expires`; between 1 and ``RequestSignaturePolicy/maxLifetime``.
    public let lifetime: Int64

    /// A signer with `key`; each signature is valid for `lifetime` seconds (default 60).
    public init(key: PrivateKey, lifetime: Int64 = 60) {
        self.key = key
        self.lifetime = lifetime
    }

    /// The header fields to add to the request: `Content-Digest` (only for a non-empty body),
    /// `Signature-Input` and `Signature`, in that order.
    /// - Parameters:
    ///   - targetURI: the absolute URI the request goes to; signed with scheme and host lowercased
    ///     and the default port dropped, path and query as written.
    ///   - now: the signer's clock, seconds since the epoch (`created`).
    /// - Throws: ``RequestSignatureError/Code/signingFailed`` for a lifetime out of range or a
    ///   failed signature, ``RequestSignatureError/Code/malformed`` for a bad target URI.
    public func headers(method: String, targetURI: String, body: [UInt8]?, now: Int64) throws(RequestSignatureError) -> [(name: String, value: String)] {
        guard lifetime > 0, lifetime <= RequestSignaturePolicy.maxLifetime else {
            throw RequestSignatureError(.signingFailed, "a request signature's lifetime must be 1 to \(RequestSignaturePolicy.maxLifetime) s, not \(lifetime) s; the server refuses longer-lived signatures")
        }
        // RFC 8941 integers have at most 15 digits.
        guard now >= 0, now < 999_999_999_999_999 - lifetime else {
            throw RequestSignatureError(.signingFailed, "the signer's clock reads \(now), which is not a time a signature can carry; check the clock")
        }
        var fields: [(name: String, value: String)] = []
        var components = ["@method", "@target-uri"]
        if let body, !body.isEmpty {
            fields.append(("Content-Digest", ContentDigest.header(for: body)))
            components.append(ContentDigest.fieldName)
        }
        let parameters = StructuredField.Parameters([
            ("created", .integer(now)),
            ("expires", .integer(now + lifetime)),
            ("keyid", .string(key.publicKey.keyID)),
            ("alg", .string(RequestSignaturePolicy.alg(for: key.suite))),
            ("tag", .string(RequestSignaturePolicy.tag)),
            // Ed25519 is deterministic: without a nonce, the same request sent twice in one
            // second would carry the same signature and be refused as a replay.
            ("nonce", .string(Self.nonce())),
        ])
        let input = SignatureInput(label: RequestSignaturePolicy.label, components: components, parameters: parameters)
        let digest = fields.first?.value
        let view = SignedRequestView(method: method, targetURI: targetURI) { name in
            name == ContentDigest.fieldName ? digest : nil
        }
        let base = try SignatureBase.build(for: input, request: view)
        let signature: [UInt8]
        do {
            signature = try key.sign(Array(base.utf8))
        } catch {
            throw RequestSignatureError(.signingFailed, "could not sign the request with key \(key.publicKey.keyID): \(error.message)")
        }
        let signatureField = StructuredField.Dictionary([(RequestSignaturePolicy.label, .item(StructuredField.Item(.byteSequence(signature))))])
        fields.append(("Signature-Input", input.headerMember))
        fields.append(("Signature", signatureField.serialized))
        return fields
    }

    /// 128 random bits as hex (the system's CSPRNG).
    static func nonce() -> String {
        var generator = SystemRandomNumberGenerator()
        return Hex.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
