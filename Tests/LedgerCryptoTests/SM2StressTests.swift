import LedgerCrypto
import Testing

@Suite("SM2 under concurrency")
struct SM2StressTests {
    @Test func sm2SignAndVerifyFromManyTasksAtOnce() async throws {
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<4 {
                group.addTask {
                    var failures = 0
                    for _ in 0..<50 {
                        let key = try PrivateKey.generate(suite: .sm2SM3)
                        let signature = try key.sign(Array("flowledger".utf8))
                        if !key.publicKey.verify(signature: signature, message: Array("flowledger".utf8)) { failures += 1 }
                    }
                    return failures
                }
            }
            var total = 0
            for try await failures in group { total += failures }
            #expect(total == 0)
        }
    }
}
