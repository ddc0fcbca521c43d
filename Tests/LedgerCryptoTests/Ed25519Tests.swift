import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("Ed25519 (RFC 8032 §7.1)")
struct Ed25519Tests {
    struct Vector: Sendable, CustomStringConvertible {
        let name: String, secret: [UInt8], publicKey: [UInt8], message: [UInt8], signature: [UInt8]
        var description: String { name }
    }

    static func vectors() throws -> [Vector] {
        let file = try Fixtures.json("vectors/rfc8032-ed25519.json")
        return (file["vectors"] as! [[String: Any]]).map {
            Vector(name: $0["name"] as! String,
                   secret: Fixtures.bytes(hex: $0["secret_key"] as! String),
                   publicKey: Fixtures.bytes(hex: $0["public_key"] as! String),
                   message: Fixtures.bytes(hex: $0["message"] as! String),
                   signature: Fixtures.bytes(hex: $0["signature"] as! String))
        }
    }

    @Test func rfcVectorsAreAllPresent() throws {
        #expect(try Self.vectors().map(\.name).count == 5)
    }

    @Test(arguments: try vectors())
    func signingReproducesTheRFCSignature(_ vector: Vector) throws {
        let key = try PrivateKey.ed25519(seed: vector.secret)
        #expect(key.publicKey.rawBytes == vector.publicKey)
        #expect(try key.sign(vector.message) == vector.signature)
    }

    @Test(arguments: try vectors())
    func rfcSignatureVerifiesAndAnyFlippedBitFails(_ vector: Vector) throws {
        let key = try PublicKey(suite: .ed25519SHA256, rawBytes: vector.publicKey)
        #expect(key.verify(signature: vector.signature, message: vector.message))
        for bit in stride(from: 0, to: vector.signature.count * 8, by: 37) {
            var forged = vector.signature
            forged[bit / 8] ^= 1 << (bit % 8)
            #expect(!key.verify(signature: forged, message: vector.message), "bit \(bit)")
        }
        var message = vector.message + [0]
        #expect(!key.verify(signature: vector.signature, message: message))
        message = Array(vector.message.dropLast())
        if !vector.message.isEmpty { #expect(!key.verify(signature: vector.signature, message: message)) }
    }

    @Test func truncatedOrOversizedSignaturesAreRejectedWithoutTrapping() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let signature = try key.sign([1, 2, 3])
        #expect(!key.publicKey.verify(signature: signature.dropLast(), message: [1, 2, 3]))
        #expect(!key.publicKey.verify(signature: signature + [0], message: [1, 2, 3]))
        #expect(!key.publicKey.verify(signature: [], message: [1, 2, 3]))
    }
}
