import Foundation
import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("Keys: PEM, key strings, key ids, OpenSSL command-line interop")
struct KeyTests {
    @Test(arguments: Suite.allCases)
    func generatedKeySignsAndVerifies(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let message = Array("flowledger".utf8)
        let signature = try key.sign(message)
        #expect(key.publicKey.verify(signature: signature, message: message))
        #expect(!key.publicKey.verify(signature: signature, message: message + [0]))
        let other = try PrivateKey.generate(suite: suite)
        #expect(!other.publicKey.verify(signature: signature, message: message))
    }

    @Test(arguments: Suite.allCases)
    func pemRoundTripKeepsTheKey(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let pem = try key.pemRepresentation()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----\n"))
        let again = try PrivateKey(pem: pem)
        #expect(again.publicKey == key.publicKey)
        #expect(again.suite == suite)
    }

    @Test(arguments: Suite.allCases)
    func keyStringRoundTripsAndKeyIDIsTheSuiteHashOfTheString(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite).publicKey
        #expect(key.string.hasPrefix(suite.keyPrefix + ":"))
        #expect(try PublicKey(string: key.string) == key)
        // Independent computation with the openssl command line: first 8 bytes of H(string).
        let digestName = suite == .ed25519SHA256 ? "-sha256" : "-sm3"
        let result = try run(["openssl", "dgst", digestName, "-r"], stdin: Data(key.string.utf8))
        #expect(result.status == 0)
        let hex = String(decoding: result.stdout, as: UTF8.self).prefix(16)
        #expect(key.keyID == String(hex))
    }

    @Test func descriptionNeverShowsSecretMaterial() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let pemBody = try key.pemRepresentation().split(separator: "\n")[1]
        #expect(!"\(key)".contains(pemBody))
        #expect("\(key)".contains(key.publicKey.keyID))
    }

    @Test(arguments: ["ed25519", "sm2"])
    func keyMadeByOpenSSLCommandLineLoads(_ algorithm: String) throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("key.pem").path
        #expect(try run(["openssl", "genpkey", "-algorithm", algorithm, "-out", path]).status == 0)
        let key = try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8), source: path)
        // The raw public key OpenSSL prints must be the one we derive.
        let text = try run(["openssl", "pkey", "-in", path, "-pubout", "-outform", "DER"]).stdout
        #expect(Array(text.suffix(key.suite.publicKeyLength)) == key.publicKey.rawBytes)
    }

    @Test(arguments: Suite.allCases)
    func pemWeWriteIsReadByOpenSSL(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let result = try run(["openssl", "pkey", "-pubout", "-outform", "DER"], stdin: Data(try key.pemRepresentation().utf8))
        #expect(result.status == 0, "\(result.stderr)")
        #expect(Array(result.stdout.suffix(suite.publicKeyLength)) == key.publicKey.rawBytes)
    }

    @Test func sm2SignatureFromOpenSSLCommandLineVerifiesHereAndViceVersa() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("sm2.pem").path
        let pubPath = dir.appendingPathComponent("sm2.pub.pem").path
        let messagePath = dir.appendingPathComponent("message").path
        let signaturePath = dir.appendingPathComponent("signature.der").path
        let message = Array("cross-boundary exchange #42".utf8)
        try Data(message).write(to: URL(fileURLWithPath: messagePath))
        #expect(try run(["openssl", "genpkey", "-algorithm", "SM2", "-out", keyPath]).status == 0)
        #expect(try run(["openssl", "pkey", "-in", keyPath, "-pubout", "-out", pubPath]).status == 0)
        let distid = "distid:\(Suite.sm2DistinguishingID)"

        // openssl signs, we verify.
        let signed = try run(["openssl", "pkeyutl", "-sign", "-inkey", keyPath, "-rawin", "-digest", "sm3",
                              "-pkeyopt", distid, "-in", messagePath, "-out", signaturePath])
        #expect(signed.status == 0, "\(signed.stderr)")
        let key = try PrivateKey(pem: String(contentsOfFile: keyPath, encoding: .utf8))
        let opensslSignature = Array(try Data(contentsOf: URL(fileURLWithPath: signaturePath)))
        #expect(key.publicKey.verify(signature: opensslSignature, message: message))
        #expect(!key.publicKey.verify(signature: opensslSignature, message: message + [1]))

        // We sign, openssl verifies — and rejects under another distinguishing id.
        try Data(try key.sign(message)).write(to: URL(fileURLWithPath: signaturePath))
        let verified = try run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-digest", "sm3",
                                "-pkeyopt", distid, "-in", messagePath, "-sigfile", signaturePath])
        #expect(verified.status == 0, "\(verified.stderr)")
        let wrongID = try run(["openssl", "pkeyutl", "-verify", "-pubin", "-inkey", pubPath, "-rawin", "-digest", "sm3",
                               "-pkeyopt", "distid:0000000000000000", "-in", messagePath, "-sigfile", signaturePath])
        #expect(wrongID.status != 0)
    }

    @Test func ed25519SignatureFromOpenSSLCommandLineVerifies() throws {
        let dir = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: dir) }
        let keyPath = dir.appendingPathComponent("ed.pem").path
        let messagePath = dir.appendingPathComponent("message").path
        let signaturePath = dir.appendingPathComponent("signature").path
        try Data("hello".utf8).write(to: URL(fileURLWithPath: messagePath))
        #expect(try run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", keyPath]).status == 0)
        #expect(try run(["openssl", "pkeyutl", "-sign", "-inkey", keyPath, "-rawin", "-in", messagePath, "-out", signaturePath]).status == 0)
        let key = try PrivateKey(pem: String(contentsOfFile: keyPath, encoding: .utf8))
        let signature = Array(try Data(contentsOf: URL(fileURLWithPath: signaturePath)))
        #expect(signature == (try key.sign(Array("hello".utf8))))  // Ed25519 is deterministic
        #expect(key.publicKey.verify(signature: signature, message: Array("hello".utf8)))
    }

    @Test func foreignEncryptedOrGarbageKeysAreRefusedWithAClearMessage() throws {
        let garbage = try #require(throws: CryptoError.self) { try PrivateKey(pem: "not a key", source: "/etc/keys/op.pem") }
        #expect(garbage.code == .malformedKey)
        #expect(garbage.message.hasPrefix("/etc/keys/op.pem: not an unencrypted PKCS#8 PEM private key"))

        let p256 = try run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"])
        let foreign = try #require(throws: CryptoError.self) { try PrivateKey(pem: String(decoding: p256.stdout, as: UTF8.self), source: "p256.pem") }
        #expect(foreign.message.contains("neither Ed25519 nor SM2"))

        let encrypted = try run(["openssl", "genpkey", "-algorithm", "ed25519", "-aes-128-cbc", "-pass", "pass:secret"])
        #expect(encrypted.status == 0)
        #expect(throws: CryptoError.self) { try PrivateKey(pem: String(decoding: encrypted.stdout, as: UTF8.self)) }
    }

    @Test func malformedPublicKeyStringsSayWhatIsWrong() throws {
        let cases: [(String, String)] = [
            ("ed25519", "is not a key string"),
            ("rsa:AAAA", "unknown key type \"rsa\""),
            ("ed25519:AAAA", "is 32 bytes, found 3"),
            ("ed25519:not base64!!", "not in the standard base64 alphabet"),
            ("sm2:" + Base64.encode([0x04] + [UInt8](repeating: 1, count: 64)), "not a valid sm2 public key"),
            ("sm2:" + Base64.encode([0x02] + [UInt8](repeating: 1, count: 64)), "uncompressed point"),
        ]
        for (text, expected) in cases {
            let error = try #require(throws: CryptoError.self) { try PublicKey(string: text, field: "body.key") }
            #expect(error.message.hasPrefix("body.key: "), "\(error.message)")
            #expect(error.message.contains(expected), "\(text): \(error.message)")
        }
    }
}
