// Measures what one core spends per entry on the core's hot paths — strict canonical parse and
// validation of an entry line, canonical re-encoding, leaf hashing, Merkle appends, reading a
// served request's RFC 9421 signature (fields parsed, signature base built) and the costliest such
// header an unauthenticated client can send — beside the
// physical limit of the system, OpenSSL's raw signature verification, measured in the same run.
// Run through scripts/bench-core.sh (release build). Results are ratios, never test assertions.
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerWire

enum CoreBench {
    static func run(arguments: [String]) throws {
        for argument in arguments where argument != "--sm2" {
            throw UsageError("core: unknown argument \(argument)")
        }
        let suites: [Suite] = arguments.contains("--sm2") ? [.sm2SM3] : [.ed25519SHA256, .sm2SM3]
        for suite in suites { try run(suite: suite) }
    }

    static func run(suite: Suite) throws {
        print("suite \(suite.rawValue), one core")
        let origin = "bench.example/2026"
        let key = try PrivateKey.generate(suite: suite)
        let event = try Event(id: "x-1", author: "ride.example", keyID: key.publicKey.keyID,
                              at: Timestamp(parsing: "2026-11-23T08:00:00Z"),
                              body: .exchangeSent(ExchangeSentBody(exchange: "x-1", dataset: "trips", recipient: "transport.sh", grant: "g-1",
                                                                   purpose: "supervision", fields: ["driver_id", "end", "start"],
                                                                   records: 1200, bytes: 480_000, digest: String(repeating: "ab", count: 32))))
        let signed = try SignedEvent(event: event, origin: origin, signer: key)
        let entry = try Entry(seq: 12345, time: Timestamp(microsecondsSinceEpoch: 1_795_420_800_000_000), prev: .zero, signed: signed)
        let line = entry.line
        let message = event.signingMessage(origin: origin)
        let n = suite == .sm2SM3 ? 3_000 : 15_000

        let verify = measure("OpenSSL raw verify (the limit)", count: n) { _ in
            precondition(key.publicKey.verify(signature: signed.signature, message: message))
        }
        let parse = try measure("entry line: strict parse + validate", count: n) { _ in _ = try Entry(line: line) }
        let encode = measure("entry: canonical encode", count: n) { _ in _ = entry.line }
        let leaf = measure("leaf hash H(0x00 || line)", count: n * 4) { _ in _ = Entry.leafHash(line: line, hash: suite.hash) }
        let store = MemoryHashStore(hash: suite.hash)
        let tree = try measure("Merkle append (stored hashes)", count: n * 4) { i in
            try store.append(leafHash: Entry.leafHash(line: Array(String(i).utf8), hash: suite.hash))
        }
        let proof = try measure("inclusion proof from stored hashes", count: n) { i in
            _ = try MerkleTree.inclusionProof(index: Int64(i % Int(store.size)), size: store.size, reader: store, hash: suite.hash)
        }
        // What a server does with every signed request before the signature check itself.
        let target = "http://127.0.0.1:8080/v1/entries"
        let body = Array(line)
        let signedHeaders = try RequestSigner(key: key).headers(method: "POST", targetURI: target, body: body,
                                                                now: Int64(Date().timeIntervalSince1970))
        let fields = Dictionary(signedHeaders.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { first, _ in first })
        let request = try measure("request signature: parse + base", count: n) { _ in
            _ = try RequestSignatureVerifier.parse(signatureInput: fields["signature-input"], signature: fields["signature"],
                                                   method: "POST", targetURI: target, headers: { fields[$0] })
        }
        // The costliest header an unauthenticated client can send: 8 KiB of RFC 8941 strings of
        // 1,000 characters (the parser takes up to 1,024), read before any signature is checked.
        let hostile = "fl=(" + Array(repeating: "\"" + String(repeating: "a", count: 1000) + "\"", count: 8).joined(separator: " ") + ")"
        let hostileRate = measure("hostile 8 KiB Signature-Input", count: n / 10) { _ in
            _ = try? RequestSignatureVerifier.parse(signatureInput: hostile, signature: fields["signature"],
                                                    method: "POST", targetURI: target, headers: { fields[$0] })
        }
        print(String(format: "hostile header costs %.2f verifies (before any signature is checked)", verify / hostileRate))
        print(String(format: "cost per entry as a share of one verify: parse %.2f, encode %.2f, leaf %.2f, append %.2f, proof %.2f; per request: signature fields %.2f\n",
                     verify / parse, verify / encode, verify / leaf, verify / tree, verify / proof, verify / request))
    }

    static func measure(_ name: String, count: Int, _ body: (Int) throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<count { try body(i) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let rate = Double(count) / seconds
        print(name.padding(toLength: 40, withPad: " ", startingAt: 0) + String(format: "%12.0f /s", rate))
        return rate
    }
}
