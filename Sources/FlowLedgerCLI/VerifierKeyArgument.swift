import FlowLedger
import LedgerVerify

/// A verifier key given on the command line (`--vkey`, `--witness-key`): the key string itself
/// (`name+<8 hex>+<base64>`, as `flowledger vkey DIR` and `flowledger witness vkey` print it),
/// or `@FILE`, or the path of an existing file whose first line is the key (so
/// `flowledger vkey DIR > operator.vkey` then `--vkey operator.vkey` works).
enum VerifierKeyArgument {
    /// The key named by `value`; `option` names the option in errors.
    static func parse(_ value: String, option: String) throws -> VerifierKey {
        var text = value
        var source = ""
        if value.hasPrefix("@") || (!looksLikeKey(value) && AtomicFile.exists(value)) {
            let path = value.hasPrefix("@") ? String(value.dropFirst()) : value
            let bytes: [UInt8]
            do {
                bytes = try FileInput.readAll(path, limit: 1 << 16)
            } catch let failure as CommandFailure {
                throw CommandFailure("\(option): \(failure.message)")
            }
            text = String(decoding: bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
            source = " (in \(path))"
        }
        do {
            return try VerifierKey(string: text.trimmingSpaces)
        } catch {
            throw CommandFailure("\(option)\(source): \(error.message)")
        }
    }

    /// `name+hex+base64` has two '+' and no white space.
    private static func looksLikeKey(_ value: String) -> Bool {
        value.count(where: { $0 == "+" }) >= 2 && !value.contains(" ")
    }
}

extension String {
    /// Without leading and trailing spaces, tabs and carriage returns.
    fileprivate var trimmingSpaces: String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\r" }
        return String(drop(while: isSpace).reversed().drop(while: isSpace).reversed())
    }
}
