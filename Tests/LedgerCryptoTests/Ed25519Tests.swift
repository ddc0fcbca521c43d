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

    /// A key reuses its verifying contexts: a refusal must leave them fit for the next valid
    /// signature, and threads verifying with one key at once must each get the right answer.
    @Test func reusedContextsGiveEachCheckItsOwnAnswerOnManyThreadsAtOnce() async throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let messages = (0..<64).map { Array("message \($0)".utf8) }
        let signatures = try messages.map { try key.sign($0) }
        let publicKey = key.publicKey
        let wrong = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<40 {
                        let index = (task * 7 + round) % messages.count
                        var forged = signatures[index]
                        forged[(round * 5) % 64] ^= 0x10
                        // valid, forged, another message's signature, valid again
                        if !publicKey.verify(signature: signatures[index], message: messages[index]) { wrong += 1 }
                        if publicKey.verify(signature: forged, message: messages[index]) { wrong += 1 }
                        if publicKey.verify(signature: signatures[(index + 1) % messages.count], message: messages[index]) { wrong += 1 }
                        if !publicKey.verify(signature: signatures[index], message: messages[index]) { wrong += 1 }
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(wrong == 0)
    }
}
