import LedgerCore
import LedgerCrypto
#if canImport(Glibc)
import Glibc
#endif

/// What an earlier verification by this tool proved, remembered so the next one re-checks only
/// what came after (`verify --remember FILE`, `report --remember FILE`, the server's report):
/// the first ``size`` entries of ``origin`` passed every integrity rule and signature check
/// under ``operatorKey``, and hash to ``root``.
///
/// A verification that is given one replays those entries for the rules' state and recomputes
/// their root (any change to them is a break), but does not verify their signatures again, so
/// a repeated check costs what the new entries cost. It is the regulator's own record, like a
/// checkpoint verified before: whoever can write it can make the verifier skip signatures, so
/// keep it where only you can write, never in the ledger directory you are checking.
///
/// A small text file, one field per line, written atomically:
///
///     flowledger verified prefix v1
///     origin exchange.example/2026
///     suite ed25519-sha256
///     operator exchange.example/2026+1a2b3c4d+AW…
///     size 1000000
///     root 3f…(64 lowercase hex digits)
///     checked 2026-12-06T22:00:00Z
public struct VerifiedPrefix: Hashable, Sendable {
    /// The ledger's origin.
    public let origin: String
    /// Its crypto suite.
    public let suite: Suite
    /// The operator verifier key the entries were checked under.
    public let operatorKey: String
    /// Entries proved: seq 0 up to (not including) this.
    public let size: Int64
    /// The Merkle root of those entries (RFC 9162 §2.1.1, MTH(D[0:size])).
    public let root: Hash32
    /// When the verification that proved them ran (RFC 3339 UTC).
    public let checkedAt: String
    /// Where it was read from, for messages (a file path, or "this server's memory"); not saved.
    public var source = "memory"

    private static let header = "flowledger verified prefix v1"
    /// Larger than any record this version writes; a larger file is not one.
    private static let maxBytes = 4096

    /// The record of a verification that proved `size` entries hashing to `root`.
    public init(origin: String, suite: Suite, operatorKey: String, size: Int64, root: Hash32, checkedAt: String) {
        self.origin = origin
        self.suite = suite
        self.operatorKey = operatorKey
        self.size = size
        self.root = root
        self.checkedAt = checkedAt
    }

    /// The record as its file holds it.
    public var text: String {
        [Self.header, "origin \(origin)", "suite \(suite.rawValue)", "operator \(operatorKey)", "size \(size)",
         "root \(root.hex)", "checked \(checkedAt)"].joined(separator: "\n") + "\n"
    }

    /// Parses a record; `source` names it in errors.
    /// - Throws: ``VerifyError`` naming the line and field when the bytes are not one whole record.
    public init(text bytes: [UInt8], source: String) throws(VerifyError) {
        func bad(_ line: Int, _ problem: String) -> VerifyError {
            VerifyError("\(source) line \(line): \(problem); this is not a record `--remember` wrote. Give another file, or delete it to verify every signature again")
        }
        guard bytes.count <= Self.maxBytes, let text = String(validating: bytes, as: UTF8.self) else {
            throw VerifyError("\(source): not a record `--remember` wrote (binary, or larger than \(Self.maxBytes) bytes); give another file, or delete it to verify every signature again")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if lines.last == "" { lines.removeLast() }
        guard lines.first == Self.header else { throw bad(1, "expected \"\(Self.header)\"") }
        let names = ["origin", "suite", "operator", "size", "root", "checked"]
        guard lines.count == names.count + 1 else { throw bad(Swift.min(lines.count, names.count + 1), "expected \(names.count + 1) lines, found \(lines.count)") }
        var values: [String] = []
        for (offset, name) in names.enumerated() {
            let line = lines[offset + 1]
            guard line.hasPrefix(name + " "), line.count > name.count + 1 else { throw bad(offset + 2, "expected \"\(name) …\"") }
            values.append(String(line.dropFirst(name.count + 1)))
        }
        guard let suite = Suite(rawValue: values[1]) else { throw bad(3, "unknown suite \"\(values[1])\"") }
        guard let size = Int64(values[3]), size >= 0 else { throw bad(5, "size \"\(values[3])\" is not a count of entries") }
        guard let root = try? Hash32(hex: values[4]) else { throw bad(6, "root is not 64 hex digits") }
        guard (try? Timestamp(parsing: values[5])) != nil else { throw bad(7, "\"\(values[5])\" is not an RFC 3339 UTC time") }
        self.init(origin: values[0], suite: suite, operatorKey: values[2], size: size, root: root, checkedAt: values[5])
        self.source = source
    }

    /// The record in the file at `path`, or nil when there is no such file yet.
    /// - Throws: ``VerifyError`` when the file cannot be read or is not a record.
    public static func read(_ path: String) throws(VerifyError) -> VerifiedPrefix? {
        guard access(path, F_OK) == 0 else { return nil }
        let bytes: [UInt8]
        do { bytes = try AtomicFile.read(path, limit: maxBytes) } catch {
            throw VerifyError("\(error.message); give another --remember file, or delete it to verify every signature again")
        }
        return try VerifiedPrefix(text: bytes, source: path)
    }

    /// Writes the record to `path` atomically: a crash leaves the old record or the new one.
    /// - Throws: ``VerifyError`` when the file cannot be written.
    public func write(to path: String) throws(VerifyError) {
        do { try AtomicFile.write(Array(text.utf8), to: path) } catch {
            throw VerifyError("\(error.message); the verification stands, but the next one will verify every signature again")
        }
    }
}
