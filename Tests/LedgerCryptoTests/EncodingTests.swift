import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("Strict base64 and hex")
struct EncodingTests {
    @Test func base64RoundTripsEveryLength() throws {
        var random = SeededRandom(seed: 1)
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            #expect(try Base64.decode(Base64.encode(bytes)) == bytes)
        }
        #expect(Base64.encode(Array("foobar".utf8)) == "Zm9vYmFy")
        #expect(Base64.encode(Array("fo".utf8)) == "Zm8=")
    }

    @Test(arguments: ["Zm8", "Zm9=", "Zm8==", "Zg=", "Z g=", "Zm8=\n", "Zm-_", "Zm==Zm8="])
    func nonCanonicalBase64IsRejected(_ text: String) {
        #expect(throws: CryptoError.self) { try Base64.decode(text) }
    }

    @Test func base64ErrorNamesTheFieldAndTheProblem() throws {
        let error = try #require(throws: CryptoError.self) { try Base64.decode("Zm9=", field: "sig") }
        #expect(error.code == .malformedEncoding)
        #expect(error.message == "sig: base64 has non-zero padding bits; it is not the canonical encoding")
    }

    @Test func hexIsLowercaseOnly() throws {
        #expect(try Hex.decode("00ff10") == [0, 255, 16])
        #expect(throws: CryptoError.self) { try Hex.decode("00FF") }
        #expect(throws: CryptoError.self) { try Hex.decode("0") }
        #expect(throws: CryptoError.self) { try Hex.decode("0g") }
    }
}
