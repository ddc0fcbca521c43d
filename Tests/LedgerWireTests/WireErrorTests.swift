import LedgerWire
import Testing

/// Decoding a server's error answer: what a client will print must not let the server act on
/// the terminal or the log of whoever reads it.
struct WireErrorTests {
    @Test func aServersErrorTextCannotEraseOrForgeALine() {
        let forged = "no checkpoint\u{1b}[2K\r\nmirrored http://x/ into M: 2502 entries; checkpoint size 2502 verified\u{1b}[8m"
        let body = Array(#"{"error":{"code":"notFound\u001b[2K","field":"a\nb","message":"\#(forged.replacingOccurrences(of: "\u{1b}", with: "\\u001b").replacingOccurrences(of: "\r", with: "\\r").replacingOccurrences(of: "\n", with: "\\n"))"}}"#.utf8)
        let error = WireError(status: 404, body: body)
        for text in [error.message, error.code, error.field ?? ""] {
            #expect(!text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7f }, "a control character reached the decoded error: \(text.debugDescription)")
        }
        #expect(error.message.hasPrefix("no checkpoint\\u001b[2K\\u000d\\nmirrored"), "\(error.message)")
        #expect(error.field == "a\\nb")
    }

    @Test func aServersErrorTextIsCutShort() {
        let body = Array(#"{"error":{"code":"notFound","message":"\#(String(repeating: "x", count: 100_000))"}}"#.utf8)
        let error = WireError(status: 404, body: body)
        #expect(error.message.count <= 2001)
        #expect(error.message.hasSuffix("…"))
    }

    @Test func aBodyThatIsNoErrorIsQuotedSafely() {
        let error = WireError(status: 502, body: Array("<html>\u{1b}]0;owned\u{7}</html>".utf8))
        #expect(error.code == "unexpectedAnswer")
        #expect(!error.message.unicodeScalars.contains { $0.value < 0x20 }, "\(error.message.debugDescription)")
    }
}
