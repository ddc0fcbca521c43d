import LedgerCore
import LedgerCrypto
import Testing

@Suite("tlog-proof text format (c2sp.org/tlog-proof@v1)")
struct TLogProofTests {
    static let checkpoint = "log\n1\n\(Hash32.zero.base64)\n\n— log AAAAAAA=\n"

    @Test func textHasHeaderExtraIndexPathBlankLineCheckpoint() {
        let proof = TLogProof(extra: [1, 2], index: 5, path: [Hash32.zero], checkpoint: Self.checkpoint)
        #expect(proof.text == "c2sp.org/tlog-proof@v1\nextra AQI=\nindex 5\n\(Hash32.zero.base64)\n\n" + Self.checkpoint)
    }

    @Test(arguments: [
        ("wrong header", "c2sp.org/tlog-proof@v2\nindex 0\n\n"),
        ("leading zero index", "c2sp.org/tlog-proof@v1\nindex 01\n\n"),
        ("negative index", "c2sp.org/tlog-proof@v1\nindex -1\n\n"),
        ("short hash", "c2sp.org/tlog-proof@v1\nindex 0\nAAAA\n\n"),
        ("no blank line", "c2sp.org/tlog-proof@v1\nindex 0\n"),
        ("bad extra", "c2sp.org/tlog-proof@v1\nextra !!\nindex 0\n\n"),
    ])
    func malformedProofsAreRejected(_ name: String, _ text: String) throws {
        let error = try #require(throws: NoteError.self) { try TLogProof(text: text) }
        #expect(error.code == .malformedProof, "\(name)")
    }
}
