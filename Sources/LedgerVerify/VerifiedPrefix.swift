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
/// A verification that is given one recomputes the root of those entries (any change to them is
/// a break) but does not verify their signatures again, so a repeated check costs what the new
/// entries cost. It goes on from the verifier's state saved beside the record (``VerifierState``,
/// `FILE.state`, named by its SHA-256) without parsing the covered entries again; without a
/// usable state it replays them for state instead. It is the regulator's own record, like a
/// checkpoint verified before: whoever can write it can make the verifier skip signatures, so
/// keep it where only you can write, never in the ledger directory you are checking.
///
/// A small text file, one field per line, written atomically after its state file:
///
///     flowledger verified prefix v1
///     origin exchange.example/2026
///     suite ed25519-sha256
///     operator exchange.example/2026+1a2b3c4d+AW…
///     size 1000000
///     root 3f…(64 lowercase hex digits)
///     window 86400000000                      (P7's window in µs, which the state depends on)
///     state 9c…(SHA-256 of FILE.state) | none
///     checked 2026-12-06T22:00:00Z
///
/// Two records are equal when they state the same facts; the state they carry is not compared.
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
    /// The P7 window (µs of ledger time) of that verification.
    public let acknowledgementWindow: Int64
    /// The verifier's state at ``size`` (``VerifierState`` bytes), when kept in memory (a
    /// server's, or a verification's just proved, before it is written).
    package var state: [UInt8]?
    /// The state file a record read from a file names, and the SHA-256 (hex) it must have: read
    /// by the verifier only when it resumes, so its bytes do not outlive their decoding.
    package private(set) var stateFile: (path: String, digest: String)?
    /// Where it was read from, for messages (a file path, or "this server's memory"); not saved.
    public var source = "memory"

    private static let header = "flowledger verified prefix v1"
    /// Larger than any record this version writes; a larger file is not one.
    private static let maxBytes = 4096

    /// The record of a verification that proved `size` entries hashing to `root`.
    public init(origin: String, suite: Suite, operatorKey: String, size: Int64, root: Hash32, checkedAt: String,
                acknowledgementWindow: Int64 = 86_400_000_000) {
        self.origin = origin
        self.suite = suite
        self.operatorKey = operatorKey
        self.size = size
        self.root = root
        self.checkedAt = checkedAt
        self.acknowledgementWindow = acknowledgementWindow
    }

    /// The record as its file holds it.
    public var text: String {
        [Self.header, "origin \(origin)", "suite \(suite.rawValue)", "operator \(operatorKey)", "size \(size)",
         "root \(root.hex)", "window \(acknowledgementWindow)", "state \(state.map { HashAlgorithm.sha256.hash($0).hex } ?? "none")",
         "checked \(checkedAt)"].joined(separator: "\n") + "\n"
    }

    /// Equal when the records state the same facts (the state carried is not compared).
    public static func == (a: VerifiedPrefix, b: VerifiedPrefix) -> Bool {
        a.origin == b.origin && a.suite == b.suite && a.operatorKey == b.operatorKey && a.size == b.size && a.root == b.root
            && a.checkedAt == b.checkedAt && a.acknowledgementWindow == b.acknowledgementWindow
    }

    /// Hashes the facts ``==`` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(origin)
        hasher.combine(size)
        hasher.combine(root)
        hasher.combine(checkedAt)
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
        let names = ["origin", "suite", "operator", "size", "root", "window", "state", "checked"]
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
        guard let window = Int64(values[5]), window > 0 else { throw bad(7, "window \"\(values[5])\" is not a duration in microseconds") }
        guard values[6] == "none" || (try? Hash32(hex: values[6])) != nil else { throw bad(8, "state is neither \"none\" nor 64 hex digits") }
        guard (try? Timestamp(parsing: values[7])) != nil else { throw bad(9, "\"\(values[7])\" is not an RFC 3339 UTC time") }
        self.init(origin: values[0], suite: suite, operatorKey: values[2], size: size, root: root, checkedAt: values[7], acknowledgementWindow: window)
        self.source = source
        if values[6] != "none" { stateFile = (Self.statePath(source), values[6]) }
    }

    /// The state file that goes with the record at `path`.
    static func statePath(_ path: String) -> String { path + ".state" }

    /// Whether the record carries or names a state.
    var hasState: Bool { state != nil || stateFile != nil }

    /// The state this record carries or names, checked against the SHA-256 it names.
    /// - Returns: the bytes, or why they are set aside.
    func loadState() -> Result<[UInt8], VerifyError> {
        if let state { return .success(state) }
        guard let (path, digest) = stateFile else { return .failure(VerifyError("\(source) names no state")) }
        guard let bytes = try? AtomicFile.read(path, limit: 1 << 40) else {
            return .failure(VerifyError("\(path), which \(source) names, cannot be read"))
        }
        guard HashAlgorithm.sha256.hash(bytes).hex == digest else {
            return .failure(VerifyError("\(path) is not the state \(source) names (its SHA-256 differs): it was changed or replaced"))
        }
        return .success(bytes)
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

    /// Writes the record to `path` and its state, if it carries one, to `path.state`, each
    /// atomically, the state first: a crash leaves the old record (whose state no longer
    /// matches and is set aside) or the new one with its state.
    /// - Throws: ``VerifyError`` when a file cannot be written.
    public func write(to path: String) throws(VerifyError) {
        do {
            if let state { try AtomicFile.write(state, to: Self.statePath(path), mode: 0o600) }
            try AtomicFile.write(Array(text.utf8), to: path)
        } catch {
            throw VerifyError("\(error.message); the verification stands, but \(path) was not brought up to date")
        }
    }
}
