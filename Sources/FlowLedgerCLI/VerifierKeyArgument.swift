import FlowLedger
import Foundation

/// Reads a verifier key given on the command line: the key itself (`name+hex+base64`), or the
/// path of a file holding it on its first line (as `flowledger vkey DIR > operator.vkey` writes).
enum VerifierKeyArgument {
    static func parse(_ text: String, option: String) throws -> VerifierKey {
        var value = text
        if !text.contains("+"), FileManager.default.fileExists(atPath: text) {
            guard let contents = try? String(contentsOfFile: text, encoding: .utf8) else {
                throw CommandFailure("\(option) \(text): cannot read the file")
            }
            value = String(contents.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        }
        do {
            return try VerifierKey(string: value)
        } catch {
            throw CommandFailure("\(option): \(error); give the key as printed by `flowledger vkey` (name+keyid+base64) or a file holding it")
        }
    }
}
