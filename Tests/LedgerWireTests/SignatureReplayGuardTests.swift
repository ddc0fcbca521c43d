import LedgerCrypto
import Testing
@testable import LedgerWire

@Suite("Signature replay guard")
struct SignatureReplayGuardTests {
    static let now: Int64 = 1_765_000_000

    /// A distinct 64-byte "signature" for each n.
    static func signature(_ n: Int) -> [UInt8] {
        withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) } + Array(repeating: 0xa5, count: 56)
    }

    @Test func secondUseIsAReplay() {
        let guardian = SignatureReplayGuard()
        #expect(guardian.admit(signature: Self.signature(1), expires: Self.now + 60, now: Self.now) == .admitted)
        #expect(guardian.admit(signature: Self.signature(1), expires: Self.now + 60, now: Self.now + 1) == .replayed)
        #expect(guardian.admit(signature: Self.signature(2), expires: Self.now + 60, now: Self.now + 1) == .admitted)
        #expect(guardian.count == 2)
    }

    @Test func signatureIsKeptUntilExpiresPlusSkewThenForgotten() {
        let guardian = SignatureReplayGuard(retention: 300)
        let expires = Self.now + 60
        #expect(guardian.admit(signature: Self.signature(1), expires: expires, now: Self.now) == .admitted)
        // Still remembered at expires + 300 exactly …
        #expect(guardian.admit(signature: Self.signature(1), expires: expires, now: expires + 300) == .replayed)
        // … and forgotten after it: the verifier refuses it as expired by then anyway.
        #expect(guardian.admit(signature: Self.signature(9), expires: expires + 400, now: expires + 301) == .admitted)
        #expect(guardian.count == 1)
        #expect(guardian.admit(signature: Self.signature(1), expires: expires, now: expires + 302) == .admitted)
    }

    @Test func pruningFollowsExpiryOrderNotArrival() {
        let guardian = SignatureReplayGuard(retention: 0)
        // Arrive in one order, expire in another.
        let expiries: [Int64] = [50, 10, 40, 20, 30, 60, 5, 45]
        for (n, offset) in expiries.enumerated() {
            #expect(guardian.admit(signature: Self.signature(n), expires: Self.now + offset, now: Self.now) == .admitted)
        }
        for step in stride(from: Int64(0), through: 61, by: 1) {
            _ = guardian.admit(signature: Self.signature(1000 + Int(step)), expires: Self.now, now: Self.now + step)
            let remaining = expiries.filter { Self.now + $0 >= Self.now + step }.count
            // Plus this step's probe; earlier probes expired at `now` and are forgotten.
            #expect(guardian.count == remaining + 1, "step \(step)")
        }
        for (n, offset) in expiries.enumerated() {
            // Forgotten: admitted again.
            #expect(guardian.admit(signature: Self.signature(n), expires: Self.now + offset, now: Self.now + 62) == .admitted)
        }
    }

    @Test func fullGuardRefusesNewSignaturesButStillSeesReplays() {
        let guardian = SignatureReplayGuard(capacity: 3)
        for n in 0..<3 {
            #expect(guardian.admit(signature: Self.signature(n), expires: Self.now + 60, now: Self.now) == .admitted)
        }
        #expect(guardian.admit(signature: Self.signature(3), expires: Self.now + 60, now: Self.now) == .full)
        #expect(guardian.admit(signature: Self.signature(0), expires: Self.now + 60, now: Self.now) == .replayed)
        #expect(guardian.count == 3)
        // Room again once the remembered ones are past expires + skew.
        #expect(guardian.admit(signature: Self.signature(3), expires: Self.now + 500, now: Self.now + 361) == .admitted)
        #expect(guardian.count == 1)
    }

    /// One party signing as fast as it can fills at most three quarters of the memory: the
    /// others are still admitted, and its share frees as its signatures are forgotten.
    @Test func oneHolderCannotFillTheMemoryForTheOthers() {
        let guardian = SignatureReplayGuard(capacity: 8)
        #expect(guardian.holderCapacity == 6)
        for n in 0..<6 {
            #expect(guardian.admit(signature: Self.signature(n), expires: Self.now + 60, now: Self.now, holder: "flood.example") == .admitted)
        }
        #expect(guardian.admit(signature: Self.signature(6), expires: Self.now + 60, now: Self.now, holder: "flood.example") == .holderFull)
        #expect(guardian.admit(signature: Self.signature(0), expires: Self.now + 60, now: Self.now, holder: "flood.example") == .replayed)
        #expect(guardian.admit(signature: Self.signature(7), expires: Self.now + 60, now: Self.now, holder: "ride.example") == .admitted)
        #expect(guardian.admit(signature: Self.signature(8), expires: Self.now + 60, now: Self.now, holder: "transport.sh") == .admitted)
        #expect(guardian.admit(signature: Self.signature(9), expires: Self.now + 60, now: Self.now, holder: "transport.sh") == .full)
        // Once its signatures are forgotten, the holder's share is free again.
        #expect(guardian.admit(signature: Self.signature(10), expires: Self.now + 500, now: Self.now + 100, holder: "flood.example") == .admitted)
        #expect(guardian.count == 1)
    }

    @Test func parsedSignatureAdmissionThrowsCodes() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let request = try SignedRequest(key: key)
        let parsed = try request.verify(with: key.publicKey)
        let guardian = SignatureReplayGuard(capacity: 1)
        try guardian.admit(parsed, now: SignedRequest.now)
        let replay = try #require(throws: RequestSignatureError.self) { try guardian.admit(parsed, now: SignedRequest.now + 5) }
        #expect(replay.code == .replayed)
        let other = try SignedRequest(key: key, now: SignedRequest.now + 1).verify(with: key.publicKey, now: SignedRequest.now + 1)
        let full = try #require(throws: RequestSignatureError.self) { try guardian.admit(other, now: SignedRequest.now + 1) }
        #expect(full.code == .replayMemoryFull)
    }

    @Test func admitIsSafeFromManyThreads() async {
        let guardian = SignatureReplayGuard()
        // 8 tasks race to admit the same 200 signatures: each is admitted exactly once.
        let admitted = await withTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    (0..<200).filter { guardian.admit(signature: Self.signature($0), expires: Self.now + 60, now: Self.now) == .admitted }.count
                }
            }
            return await group.reduce(0, +)
        }
        #expect(admitted == 200)
        #expect(guardian.count == 200)
    }
}
