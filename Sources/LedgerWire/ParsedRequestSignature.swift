/// A request's FlowLedger signature, read but not yet checked: the first phase of
/// ``RequestSignatureVerifier``. The server reads ``keyID``, looks the key up in its ledger state,
/// then calls ``RequestSignatureVerifier/verify(_:publicKey:body:now:)``.
///
/// It carries the signature base already built from the request's method, target URI and
/// headers, so the second phase needs only the key, the body and the clock.
public struct ParsedRequestSignature: Sendable {
    /// The `Signature-Input` member that was chosen (label `fl`, or tag `flowledger/v1`).
    public let input: SignatureInput
    /// `keyid`: the signer's key id (DESIGN §3), present by construction.
    public let keyID: String
    /// The signature bytes from the `Signature` field.
    public let signature: [UInt8]
    /// The RFC 9421 signature base that ``signature`` must sign.
    public let signatureBase: String
    /// The request's `Content-Digest` field, if it had one.
    public let contentDigest: String?

    /// The label, normally `fl`.
    public var label: String { input.label }
    /// `created`, seconds since the epoch.
    public var created: Int64? { input.created }
    /// `expires`, seconds since the epoch.
    public var expires: Int64? { input.expires }
    /// `alg`, e.g. `ed25519`.
    public var alg: String? { input.alg }
    /// The covered component identifiers, in order.
    public var coveredComponents: [String] { input.coveredComponents }
}
