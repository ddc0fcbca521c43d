import Testing
@testable import LedgerWire

@Suite("RFC 9530 Content-Digest")
struct ContentDigestTests {
    static let body = Array(#"{"hello": "world"}"#.utf8)
    static let rfcSHA256 = "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    static let rfcSHA512 = "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"

    @Test func headerIsRFC9530sExample() {
        #expect(ContentDigest.header(for: Self.body) == Self.rfcSHA256)
    }

    @Test func checkAcceptsTheExampleAlone() throws {
        try ContentDigest.check(Self.rfcSHA256, body: Self.body)
    }

    @Test func checkReadsSHA256AmongSeveralAlgorithms() throws {
        try ContentDigest.check(Self.rfcSHA512 + ", " + Self.rfcSHA256, body: Self.body)
        try ContentDigest.check(Self.rfcSHA256 + ",\t" + Self.rfcSHA512 + ";x=1", body: Self.body)
    }

    @Test func changedBodyIsAMismatch() throws {
        var body = Self.body
        body[3] ^= 0x20
        let error = try #require(throws: RequestSignatureError.self) { try ContentDigest.check(Self.rfcSHA256, body: body) }
        #expect(error.code == .digestMismatch)
        #expect(error.message.contains("X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="))
    }

    @Test func withoutSHA256IsMissing() throws {
        let error = try #require(throws: RequestSignatureError.self) { try ContentDigest.check(Self.rfcSHA512, body: Self.body) }
        #expect(error.code == .missing)
        #expect(error.message.contains("sha-512"))
    }

    @Test(arguments: [
        "", "sha-256", "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", "sha-256=:AAAA:",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE:", "sha-256=(:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:)",
        "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
        "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:, sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:",
    ])
    func malformedHeadersAreRefused(_ header: String) {
        #expect(throws: RequestSignatureError.self) { try ContentDigest.check(header, body: Self.body) }
    }
}
