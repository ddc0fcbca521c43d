import LedgerCrypto
@testable import LedgerWire

/// A request as a client sends it, for the signer/verifier tests: headers as a list so a test
/// can drop, change or add one before the server side reads it.
struct SignedRequest {
    static let now: Int64 = 1_765_000_000
    static let uri = "https://ledger.example:8443/v1/entries?wait=checkpoint"
    static let body = Array(#"{"event":{"type":"party.registered"},"sig":"…"}"#.utf8) + [0x0a]

    var method: String
    var targetURI: String
    var headers: [(name: String, value: String)]
    var body: [UInt8]?

    /// Signed by `key` at `now` with `lifetime`.
    init(key: PrivateKey, method: String = "POST", targetURI: String = uri, body: [UInt8]? = body,
         now: Int64 = now, lifetime: Int64 = 60) throws {
        self.method = method
        self.targetURI = targetURI
        self.body = body
        headers = [("Content-Type", "application/x-ndjson")]
            + (try RequestSigner(key: key, lifetime: lifetime).headers(method: method, targetURI: targetURI, body: body, now: now))
    }

    func header(_ name: String) -> String? {
        let values = headers.filter { $0.name.lowercased() == name.lowercased() }.map(\.value)
        return values.isEmpty ? nil : values.joined(separator: ", ")
    }

    mutating func set(_ name: String, _ value: String?) {
        headers.removeAll { $0.name.lowercased() == name.lowercased() }
        if let value { headers.append((name, value)) }
    }

    /// What the server does: parse, then verify with `key` at `now`.
    func verify(with key: PublicKey, now: Int64 = now, verifier: RequestSignatureVerifier = RequestSignatureVerifier()) throws(RequestSignatureError) -> ParsedRequestSignature {
        let parsed = try parse()
        try verifier.verify(parsed, publicKey: key, body: body, now: now)
        return parsed
    }

    func parse() throws(RequestSignatureError) -> ParsedRequestSignature {
        let headers = self.headers
        return try RequestSignatureVerifier.parse(
            signatureInput: header("Signature-Input"), signature: header("Signature"), method: method, targetURI: targetURI,
            headers: { name in
                let values = headers.filter { $0.name.lowercased() == name }.map(\.value)
                return values.isEmpty ? nil : values.joined(separator: ", ")
            })
    }
}
