import LedgerCrypto
import Testing
@testable import LedgerWire

@Suite("Request signatures: signer and verifier agree")
struct RequestSignatureRoundTripTests {
    @Test(arguments: Suite.allCases)
    func signedRequestVerifies(suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let request = try SignedRequest(key: key)
        let parsed = try request.verify(with: key.publicKey)
        #expect(parsed.label == "fl")
        #expect(parsed.keyID == key.publicKey.keyID)
        #expect(parsed.created == SignedRequest.now)
        #expect(parsed.expires == SignedRequest.now + 60)
        #expect(parsed.alg == (suite == .ed25519SHA256 ? "ed25519" : "sm2-sm3"))
        #expect(parsed.coveredComponents == ["@method", "@target-uri", "content-digest"])
    }

    @Test func headersAreDesignSection11_4s() throws {
        let key = try PrivateKey.ed25519(seed: Array(repeating: 7, count: 32))
        let fields = try RequestSigner(key: key).headers(method: "POST", targetURI: SignedRequest.uri, body: SignedRequest.body, now: 1_700_000_000)
        #expect(fields.map(\.name) == ["Content-Digest", "Signature-Input", "Signature"])
        #expect(fields[0].value == ContentDigest.header(for: SignedRequest.body))
        let input = fields[1].value
        #expect(input.hasPrefix(#"fl=("@method" "@target-uri" "content-digest");created=1700000000;expires=1700000060;keyid="\#(key.publicKey.keyID)";alg="ed25519";tag="flowledger/v1";nonce=""#))
        // A fresh 128-bit nonce each time, so two identical requests never share a signature.
        #expect(input.suffix(34).allSatisfy { $0 == "\"" || $0.isHexDigit } && input.hasSuffix("\""))
        let again = try RequestSigner(key: key).headers(method: "POST", targetURI: SignedRequest.uri, body: SignedRequest.body, now: 1_700_000_000)
        #expect(again[1].value != input && again[2].value != fields[2].value)
        #expect(fields[2].value.hasPrefix("fl=:") && fields[2].value.hasSuffix(":"))
        // Ed25519 is deterministic: the signature is over exactly this base.
        let base = """
            "@method": POST
            "@target-uri": \(SignedRequest.uri)
            "content-digest": \(fields[0].value)
            "@signature-params": \(fields[1].value.dropFirst(3))
            """
        #expect(fields[2].value == "fl=:" + Base64.encode(try key.sign(Array(base.utf8))) + ":")
    }

    @Test(arguments: [nil, []] as [[UInt8]?])
    func requestWithoutBodyCoversNoDigest(body: [UInt8]?) throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let request = try SignedRequest(key: key, method: "GET", targetURI: "https://ledger.example/v1/entries?from=0", body: body)
        #expect(request.header("Content-Digest") == nil)
        let parsed = try request.verify(with: key.publicKey)
        #expect(parsed.coveredComponents == ["@method", "@target-uri"])
    }

    @Test func equivalentSpellingsOfTheTargetURIVerify() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        var request = try SignedRequest(key: key, targetURI: "HTTPS://Ledger.Example:443/v1/entries?wait=checkpoint")
        request.targetURI = "https://ledger.example/v1/entries?wait=checkpoint"
        _ = try request.verify(with: key.publicKey)
        var bare = try SignedRequest(key: key, method: "GET", targetURI: "http://ledger.example:80", body: nil)
        bare.targetURI = "http://ledger.example/"
        _ = try bare.verify(with: key.publicKey)
        // The path and query are compared as sent.
        request.targetURI = "https://ledger.example/v1/Entries?wait=checkpoint"
        #expect(throws: RequestSignatureError.self) { try request.verify(with: key.publicKey) }
    }

    @Test func signatureInputAmongOthersIsFoundByLabelOrTag() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        var request = try SignedRequest(key: key)
        // Another signature (of a proxy, say) before ours in both fields.
        let input = try #require(request.header("Signature-Input"))
        let signature = try #require(request.header("Signature"))
        request.set("Signature-Input", #"proxy=("@method");created=1"# + ", " + input)
        request.set("Signature", "proxy=:AAAA:, " + signature)
        #expect(try request.verify(with: key.publicKey).label == "fl")
        // Under another label, found by its tag.
        request.set("Signature-Input", "other" + input.dropFirst(2))
        request.set("Signature", "other" + signature.dropFirst(2))
        #expect(try request.verify(with: key.publicKey).label == "other")
    }

    @Test func lifetimeOutOfRangeIsRefusedBySigner() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        for lifetime: Int64 in [0, -1, 301] {
            let error = try #require(throws: RequestSignatureError.self) {
                try RequestSigner(key: key, lifetime: lifetime).headers(method: "GET", targetURI: SignedRequest.uri, body: nil, now: SignedRequest.now)
            }
            #expect(error.code == .signingFailed)
        }
        #expect(try RequestSigner(key: key, lifetime: 300).headers(method: "GET", targetURI: SignedRequest.uri, body: nil, now: SignedRequest.now).count == 2)
    }

    @Test func errorsNeverShowThePrivateKey() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let pem = try key.pemRepresentation()
        let secret = pem.split(separator: "\n").dropFirst().dropLast().joined()
        let error = try #require(throws: RequestSignatureError.self) {
            try RequestSigner(key: key, lifetime: 0).headers(method: "GET", targetURI: SignedRequest.uri, body: nil, now: SignedRequest.now)
        }
        #expect(!error.message.contains(secret))
    }
}
