import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("SM3 (GB/T 32905) and SHA-256")
struct HashTests {
    @Test func sm3MatchesTheStandardVectors() throws {
        let file = try Fixtures.json("vectors/sm3.json")
        let vectors = file["vectors"] as! [[String: Any]]
        #expect(vectors.count == 2)
        for vector in vectors {
            let message = Fixtures.bytes(hex: vector["message_hex"] as! String)
            #expect(HashAlgorithm.sm3.hash(message).hex == vector["digest"] as! String)
        }
        #expect(HashAlgorithm.sm3.hash(Array("abc".utf8)).hex == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0")
    }

    @Test func sha256MatchesFIPSVector() {
        #expect(HashAlgorithm.sha256.hash(Array("abc".utf8)).hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(HashAlgorithm.sha256.hash([UInt8]()).hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func incrementalHashingEqualsOneShot() {
        var context = HashContext(.sm3)
        context.update(byte: 0x00)
        context.update(Array("entry".utf8))
        #expect(context.finish() == HashAlgorithm.sm3.hash([0x00] + Array("entry".utf8)))
    }

    @Test func nodeHashIsPrefixOneThenLeftThenRight() throws {
        let left = HashAlgorithm.sha256.hash([1])
        let right = HashAlgorithm.sha256.hash([2])
        #expect(HashAlgorithm.sha256.node(left, right) == HashAlgorithm.sha256.hash([0x01] + left.bytes + right.bytes))
    }

    @Test func hash32RoundTripsThroughHexAndRejectsWrongLengths() throws {
        let hash = HashAlgorithm.sha256.hash([7])
        #expect(try Hash32(hex: hash.hex) == hash)
        #expect(throws: CryptoError.self) { try Hash32(bytes: [UInt8](repeating: 0, count: 31)) }
        let error = try #require(throws: CryptoError.self) { try Hash32(hex: String(hash.hex.uppercased())) }
        #expect(error.message.contains("lowercase hex"))
    }
}
