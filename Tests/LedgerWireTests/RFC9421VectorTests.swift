import LedgerCrypto
import Testing
@testable import LedgerWire

/// RFC 9421 Appendix B.2.6, "Signing a Request Using ed25519", verbatim: the test request of
/// B.2, the key `test-key-ed25519` of B.1.4, the Signature-Input and Signature fields, and the
/// signature base the RFC prints (its RFC 8792 line folding undone).
@Suite("RFC 9421 Appendix B.2.6 (Ed25519)")
struct RFC9421VectorTests {
    // B.2: POST /foo?param=Value&Pet=dog HTTP/1.1, body {"hello": "world"}.
    static var request: SignedRequestView {
        SignedRequestView(
            method: "POST",
            targetURI: "https://example.com/foo?param=Value&Pet=dog",
            headerFields: [
                ("Host", "example.com"),
                ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
                ("Content-Type", "application/json"),
                ("Content-Digest", "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"),
                ("Content-Length", "18"),
            ])
    }

    static let signatureInput = #"sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519""#
    static let signature = "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
    static let signatureBase = """
        "date": Tue, 20 Apr 2021 02:07:55 GMT
        "@method": POST
        "@path": /foo
        "@authority": example.com
        "content-type": application/json
        "content-length": 18
        "@signature-params": ("date" "@method" "@path" "@authority" "content-type" "content-length");created=1618884473;keyid="test-key-ed25519"
        """

    // B.1.4 JWK: x (public key) and d (seed), base64url without padding, rewritten as the
    // standard padded base64 LedgerCrypto decodes.
    static let publicKeyBase64 = "JrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs="
    static let seedBase64 = "n4Ni+HpISpVObnQMW0wOhCKROaIKqKtW/2ZYb2p9KcU="

    static func publicKey() throws -> PublicKey {
        try PublicKey(suite: .ed25519SHA256, rawBytes: Base64.decode(publicKeyBase64))
    }

    @Test func signatureBaseMatchesTheRFCByteForByte() throws {
        let input = try #require(try SignatureInput.parseAll(Self.signatureInput).first)
        #expect(input.label == "sig-b26")
        #expect(input.created == 1_618_884_473)
        #expect(input.keyID == "test-key-ed25519")
        let base = try SignatureBase.build(for: input, request: Self.request)
        #expect(Array(base.utf8) == Array(Self.signatureBase.utf8))
    }

    @Test func rfcSignatureVerifies() throws {
        try RequestSignatureVerifier.verifySignature(label: "sig-b26", signatureInput: Self.signatureInput,
                                                     signature: Self.signature, request: Self.request,
                                                     publicKey: Self.publicKey())
    }

    @Test func ourEd25519SignatureOfTheBaseIsTheRFCs() throws {
        // Ed25519 is deterministic: the B.1.4 private key must give the printed signature.
        let key = try PrivateKey.ed25519(seed: Base64.decode(Self.seedBase64))
        #expect(key.publicKey.rawBytes == (try Base64.decode(Self.publicKeyBase64)))
        let signature = try key.sign(Array(Self.signatureBase.utf8))
        #expect("sig-b26=:" + Base64.encode(signature) + ":" == Self.signature)
    }

    @Test func oneChangedByteFails() throws {
        let key = try Self.publicKey()
        // A covered header changed by one byte.
        var fields: [(name: String, value: String)] = [
            ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"), ("Content-Type", "application/json"), ("Content-Length", "19"),
        ]
        let changedHeader = SignedRequestView(method: "POST", targetURI: Self.request.targetURI, headerFields: fields)
        let error = try #require(throws: RequestSignatureError.self) {
            try RequestSignatureVerifier.verifySignature(label: "sig-b26", signatureInput: Self.signatureInput,
                                                         signature: Self.signature, request: changedHeader, publicKey: key)
        }
        #expect(error.code == .badSignature)
        // The path changed by one byte.
        fields[2].value = "18"
        let changedPath = SignedRequestView(method: "POST", targetURI: "https://example.com/fop?param=Value&Pet=dog", headerFields: fields)
        #expect(throws: RequestSignatureError.self) {
            try RequestSignatureVerifier.verifySignature(label: "sig-b26", signatureInput: Self.signatureInput,
                                                         signature: Self.signature, request: changedPath, publicKey: key)
        }
        // A parameter changed by one digit.
        let changedInput = Self.signatureInput.replacingOccurrences("1618884473", with: "1618884474")
        #expect(throws: RequestSignatureError.self) {
            try RequestSignatureVerifier.verifySignature(label: "sig-b26", signatureInput: changedInput,
                                                         signature: Self.signature, request: Self.request, publicKey: key)
        }
        // The signature changed in one byte.
        var bytes = try Base64.decode("wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==")
        bytes[10] ^= 1
        let changedSignature = "sig-b26=:" + Base64.encode(bytes) + ":"
        let badSignature = try #require(throws: RequestSignatureError.self) {
            try RequestSignatureVerifier.verifySignature(label: "sig-b26", signatureInput: Self.signatureInput,
                                                         signature: changedSignature, request: Self.request, publicKey: key)
        }
        #expect(badSignature.code == .badSignature)
        #expect(badSignature.message.contains("\"@method\": POST"))
    }

    @Test func derivedComponentsOfTheTestRequest() throws {
        let input = try #require(try SignatureInput.parseAll(#"x=("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query")"#).first)
        let base = try SignatureBase.build(for: input, request: Self.request)
        // Values as RFC 9421 §2.2.1-2.2.7 give them for this request.
        #expect(base == """
            "@method": POST
            "@target-uri": https://example.com/foo?param=Value&Pet=dog
            "@authority": example.com
            "@scheme": https
            "@request-target": /foo?param=Value&Pet=dog
            "@path": /foo
            "@query": ?param=Value&Pet=dog
            "@signature-params": ("@method" "@target-uri" "@authority" "@scheme" "@request-target" "@path" "@query")
            """)
    }

    @Test func authorityDropsDefaultPortAndLowercases() throws {
        let input = try #require(try SignatureInput.parseAll(#"x=("@authority" "@path" "@query")"#).first)
        let view = SignedRequestView(method: "GET", targetURI: "HTTPS://Ledger.Example:443", headerFields: [])
        #expect(try SignatureBase.build(for: input, request: view) == "\"@authority\": ledger.example\n\"@path\": /\n\"@query\": ?\n\"@signature-params\": (\"@authority\" \"@path\" \"@query\")")
        let other = SignedRequestView(method: "GET", targetURI: "http://ledger.example:8443/v1/entries?from=3", headerFields: [])
        #expect(try SignatureBase.build(for: input, request: other).hasPrefix("\"@authority\": ledger.example:8443\n\"@path\": /v1/entries\n\"@query\": ?from=3\n"))
    }

    @Test(arguments: [
        #"x=("@status")"#, #"x=("@query-param";name="a")"#, #"x=("date";sf)"#, #"x=("@signature-params")"#,
    ])
    func unsupportedComponentsAreRefused(_ field: String) throws {
        let input = try #require(try SignatureInput.parseAll(field).first)
        let error = try #require(throws: RequestSignatureError.self) { try SignatureBase.build(for: input, request: Self.request) }
        #expect(error.code == .unsupportedComponent)
    }

    @Test func repeatedComponentAndMissingHeaderAreRefused() throws {
        let twice = try #require(try SignatureInput.parseAll(#"x=("@method" "@method")"#).first)
        #expect(throws: RequestSignatureError.self) { try SignatureBase.build(for: twice, request: Self.request) }
        let absent = try #require(try SignatureInput.parseAll(#"x=("x-absent")"#).first)
        let error = try #require(throws: RequestSignatureError.self) { try SignatureBase.build(for: absent, request: Self.request) }
        #expect(error.code == .missing)
        #expect(error.message.contains("x-absent"))
    }

    @Test func headerValueWithLineBreakIsRefused() throws {
        let input = try #require(try SignatureInput.parseAll(#"x=("x-evil")"#).first)
        let view = SignedRequestView(method: "GET", targetURI: "https://a.example/", headerFields: [("X-Evil", "a\n\"@method\": GET")])
        let error = try #require(throws: RequestSignatureError.self) { try SignatureBase.build(for: input, request: view) }
        #expect(error.code == .malformed)
    }
}

extension String {
    /// Replaces every occurrence of `target`, without Foundation.
    func replacingOccurrences(_ target: String, with replacement: String) -> String {
        split(separator: target, omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
