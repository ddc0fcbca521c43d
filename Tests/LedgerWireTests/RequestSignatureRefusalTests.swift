import LedgerCrypto
import Testing
@testable import LedgerWire

/// Every way DESIGN §11.4's policy refuses a request, each checked by its error code and the
/// words a client needs to fix it.
@Suite("Request signatures: refusals")
struct RequestSignatureRefusalTests {
    static let key: PrivateKey = {
        do { return try PrivateKey.ed25519(seed: Array(repeating: 42, count: 32)) } catch { fatalError("\(error)") }
    }()

    func refusal(_ request: SignedRequest, key: PublicKey = RequestSignatureRefusalTests.key.publicKey, now: Int64 = SignedRequest.now) throws -> RequestSignatureError {
        try #require(throws: RequestSignatureError.self) { try request.verify(with: key, now: now) }
    }

    func signed(method: String = "POST", body: [UInt8]? = SignedRequest.body, now: Int64 = SignedRequest.now, lifetime: Int64 = 60) throws -> SignedRequest {
        try SignedRequest(key: Self.key, method: method, body: body, now: now, lifetime: lifetime)
    }

    /// The request's Signature-Input with its `fl` member rewritten, re-signed so only the
    /// policy can object.
    func resigned(_ edit: (inout StructuredField.InnerList) -> Void, key: PrivateKey = RequestSignatureRefusalTests.key, body: [UInt8]? = SignedRequest.body) throws -> SignedRequest {
        var request = try SignedRequest(key: key, body: body)
        let field = try #require(request.header("Signature-Input"))
        let input = try #require(try SignatureInput.parseAll(field).first)
        var list = input.list
        edit(&list)
        let newInput = SignatureInput(label: input.label, components: list.items.compactMap {
            if case .string(let name) = $0.value { return name } else { return nil }
        }, parameters: list.parameters)
        let digest = request.header("Content-Digest")
        let view = SignedRequestView(method: request.method, targetURI: request.targetURI) { $0 == "content-digest" ? digest : nil }
        let base = try SignatureBase.build(for: newInput, request: view)
        request.set("Signature-Input", newInput.headerMember)
        request.set("Signature", "fl=:" + Base64.encode(try key.sign(Array(base.utf8))) + ":")
        return request
    }

    // MARK: - Missing or malformed headers

    @Test func missingSignatureInput() throws {
        var request = try signed()
        request.set("Signature-Input", nil)
        let error = try refusal(request)
        #expect(error.code == .missing)
        #expect(error.message.contains("no Signature-Input header"))
    }

    @Test func missingSignature() throws {
        var request = try signed()
        request.set("Signature", nil)
        #expect(try refusal(request).code == .missing)
    }

    @Test func signatureUnderAnotherLabel() throws {
        var request = try signed()
        request.set("Signature", "other" + (request.header("Signature") ?? "").dropFirst(2))
        let error = try refusal(request)
        #expect(error.code == .missing)
        #expect(error.message.contains("Signature: no member \"fl\""))
    }

    @Test func noFlowLedgerMember() throws {
        var request = try signed()
        request.set("Signature-Input", #"sig1=("@method");created=1"#)
        request.set("Signature", "sig1=:AAAA:")
        #expect(try refusal(request).code == .missing)
    }

    @Test(arguments: ["fl=", "fl=(\"@method\"", "fl=:AAAA:", "fl=(@method)", "fl=(\"@method\");created=\"1\"", "fl=(1 2)"])
    func malformedSignatureInput(_ field: String) throws {
        var request = try signed()
        request.set("Signature-Input", field)
        #expect(try refusal(request).code == .malformed)
    }

    @Test(arguments: ["fl=:AAA:", "fl=(:AAAA:)", "fl=\"abc\"", "fl=::", "fl=:AAAA"])
    func malformedSignature(_ field: String) throws {
        var request = try signed()
        request.set("Signature", field)
        #expect(try refusal(request).code == .malformed)
    }

    @Test func missingKeyID() throws {
        let request = try resigned { $0.parameters.entries.removeAll { $0.key == "keyid" } }
        #expect(try refusal(request).code == .missing)
    }

    // MARK: - Body and digest

    @Test func bodyChangedAfterSigning() throws {
        var request = try signed()
        request.body?[5] ^= 1
        let error = try refusal(request)
        #expect(error.code == .digestMismatch)
    }

    @Test func bodyAddedToABodilessSignature() throws {
        var request = try signed(method: "GET", body: nil)
        request.body = SignedRequest.body
        let error = try refusal(request)
        #expect(error.code == .notCovered)
        #expect(error.message.contains("content-digest"))
    }

    @Test func bodyDroppedAfterSigning() throws {
        var request = try signed()
        request.body = nil
        #expect(try refusal(request).code == .digestMismatch)
    }

    @Test func digestHeaderMissingWithABody() throws {
        var request = try signed()
        request.set("Content-Digest", nil)
        let error = try refusal(request)
        #expect(error.code == .missing)
        #expect(error.message.contains("content-digest"))
    }

    @Test func digestHeaderReplacedWithTheNewBodysDigest() throws {
        // An attacker who changes the body and recomputes Content-Digest breaks the signature.
        var request = try signed()
        request.body?[5] ^= 1
        request.set("Content-Digest", ContentDigest.header(for: request.body ?? []))
        #expect(try refusal(request).code == .badSignature)
    }

    @Test func digestNotCovered() throws {
        let request = try resigned { $0.items.removeAll { $0.value == .string("content-digest") } }
        let error = try refusal(request)
        #expect(error.code == .notCovered)
    }

    // MARK: - Method and target URI

    @Test func methodChanged() throws {
        var request = try signed()
        request.method = "PUT"
        let error = try refusal(request)
        #expect(error.code == .badSignature)
        #expect(error.message.contains("\"@method\": PUT"))
    }

    @Test(arguments: [
        "https://ledger.example:8443/v1/entries", "https://ledger.example/v1/entries?wait=checkpoint",
        "http://ledger.example:8443/v1/entries?wait=checkpoint", "https://ledger.example:8443/v1/entrie?wait=checkpoint",
        "https://other.example:8443/v1/entries?wait=checkpoint",
    ])
    func targetURIChanged(_ uri: String) throws {
        var request = try signed()
        request.targetURI = uri
        let error = try refusal(request)
        #expect(error.code == .badSignature)
        #expect(error.message.contains(uri))
    }

    @Test(arguments: ["@method", "@target-uri"])
    func requiredComponentNotCovered(_ component: String) throws {
        let request = try resigned { $0.items.removeAll { $0.value == .string(component) } }
        let error = try refusal(request)
        #expect(error.code == .notCovered)
        #expect(error.message.contains(component))
    }

    @Test func badTargetURI() throws {
        var request = try signed()
        request.targetURI = "/v1/entries"
        #expect(try refusal(request).code == .malformed)
    }

    // MARK: - Time

    @Test func createdTooOld() throws {
        let request = try signed(now: SignedRequest.now - 412, lifetime: 300)
        let error = try refusal(request)
        #expect(error.code == .clockSkew)
        #expect(error.message == "the request's signature was created 412 s before the server's clock (allowed: 300 s); check the client's clock, or sign the request again")
    }

    @Test func createdInTheFuture() throws {
        let request = try signed(now: SignedRequest.now + 301)
        let error = try refusal(request)
        #expect(error.code == .clockSkew)
        #expect(error.message.contains("301 s after the server's clock"))
    }

    @Test func skewAtTheLimitIsAccepted() throws {
        _ = try signed(now: SignedRequest.now + 300).verify(with: Self.key.publicKey)
        _ = try signed(now: SignedRequest.now - 299, lifetime: 300).verify(with: Self.key.publicKey)
    }

    @Test func expired() throws {
        let request = try signed(now: SignedRequest.now - 61)
        let error = try refusal(request)
        #expect(error.code == .expired)
        #expect(error.message.contains("expired 1 s ago"))
        // expires == now is already expired.
        #expect(try refusal(try signed(now: SignedRequest.now - 60)).code == .expired)
    }

    @Test func tooLongLived() throws {
        let request = try resigned { $0.parameters.set("expires", .integer(SignedRequest.now + 301)) }
        let error = try refusal(request)
        #expect(error.code == .tooLongLived)
        #expect(error.message.contains("301 s"))
    }

    @Test func expiresNotAfterCreated() throws {
        let request = try resigned { $0.parameters.set("expires", .integer(SignedRequest.now)) }
        #expect(try refusal(request).code == .malformed)
    }

    @Test(arguments: ["created", "expires", "alg", "tag"])
    func requiredParameterMissing(_ parameter: String) throws {
        let request = try resigned { $0.parameters.entries.removeAll { $0.key == parameter } }
        let error = try refusal(request)
        #expect(error.code == .missing)
        #expect(error.message.contains(parameter))
    }

    // MARK: - Keys and algorithms

    @Test func wrongAlgorithm() throws {
        let request = try resigned { $0.parameters.set("alg", .string("sm2-sm3")) }
        let error = try refusal(request)
        #expect(error.code == .wrongAlgorithm)
        #expect(error.message.contains("alg=\"ed25519\""))
    }

    @Test func sm2KeyClaimingEd25519() throws {
        let sm2 = try PrivateKey.generate(suite: .sm2SM3)
        let request = try resigned({ $0.parameters.set("alg", .string("ed25519")) }, key: sm2)
        #expect(try refusal(request, key: sm2.publicKey).code == .wrongAlgorithm)
    }

    @Test func otherTag() throws {
        let request = try resigned { $0.parameters.set("tag", .string("flowledger/v0")) }
        #expect(try refusal(request).code == .malformed)
    }

    @Test func keyOtherThanTheKeyID() throws {
        let other = try PrivateKey.generate(suite: .ed25519SHA256)
        let error = try refusal(try signed(), key: other.publicKey)
        #expect(error.code == .unknownKey)
    }

    @Test func signedByAnotherKeyWithThisKeyID() throws {
        // The keyid says key A, the signature is by key B: the check with A fails.
        let other = try PrivateKey.generate(suite: .ed25519SHA256)
        var request = try SignedRequest(key: other)
        let input = (request.header("Signature-Input") ?? "").replacingOccurrences(other.publicKey.keyID, with: Self.key.publicKey.keyID)
        request.set("Signature-Input", input)
        #expect(try refusal(request).code == .badSignature)
    }

    @Test func unknownKeyErrorNamesTheKeyID() {
        let error = RequestSignatureError.unknownKey("00112233aabbccdd")
        #expect(error.code == .unknownKey)
        #expect(error.message.contains("00112233aabbccdd"))
    }
}

extension StructuredField.Parameters {
    /// Replaces the value of `key` where it stands.
    mutating func set(_ key: String, _ value: StructuredField.BareItem) {
        for index in entries.indices where entries[index].key == key { entries[index].value = value }
    }
}
