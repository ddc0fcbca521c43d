import LedgerCore
#if canImport(Glibc)
import Glibc
#endif
import LedgerCrypto

/// `ledger.json`: what a reader needs before the first entry — the format version, the origin,
/// the suite and the operator's public key. Canonical JSON, written once at `init`.
///
///     {"format":1,"operator":"ed25519:…","origin":"exchange.sh.gov.example/2026","suite":"ed25519-sha256"}
///
/// The genesis entry says the same and is what the verifier trusts; the store checks that the two
/// agree when it opens the ledger.
public struct LedgerManifest: Hashable, Sendable {
    /// The only on-disk format this version reads and writes.
    package static let currentFormat: Int64 = 1

    /// The ledger's origin.
    public let origin: String
    /// The crypto suite.
    public let suite: Suite
    /// The operator's public key (checkpoints are signed with it).
    public let operatorKey: PublicKey

    /// Creates a manifest.
    public init(origin: String, suite: Suite, operatorKey: PublicKey) {
        self.origin = origin
        self.suite = suite
        self.operatorKey = operatorKey
    }

    /// The canonical JSON bytes, with a trailing newline.
    public var bytes: [UInt8] {
        CanonicalJSON.encode(.object([
            "format": .integer(Self.currentFormat), "origin": .string(origin),
            "suite": .string(suite.rawValue), "operator": .string(operatorKey.string),
        ])) + [0x0a]
    }

    /// The operator's verifier key (C2SP note key `origin+<key id>+<base64>`), which checkpoints
    /// verify under.
    package func operatorVerifierKey() throws(NoteError) -> VerifierKey {
        try VerifierKey(name: origin, publicKey: operatorKey, algorithm: suite == .ed25519SHA256 ? .ed25519 : .sm2SM3)
    }

    /// Reads `ledger.json` strictly.
    package init(bytes: [UInt8], path: String) throws(StoreError) {
        func fail(_ what: String) -> StoreError {
            StoreError(.notALedger, "\(path): \(what); this file is written by `flowledger init` and must not be edited")
        }
        guard bytes.last == 0x0a else { throw fail("does not end with a newline") }
        let value: JSONValue
        do {
            value = try CanonicalJSONParser.parse(bytes.dropLast())
        } catch {
            throw fail("not canonical JSON (\(error))")
        }
        guard case .object(let members) = value, members.count == 4,
              case .integer(let format)? = members["format"],
              case .string(let origin)? = members["origin"],
              case .string(let suiteName)? = members["suite"],
              case .string(let keyText)? = members["operator"] else {
            throw fail("expected exactly the fields format, operator, origin, suite")
        }
        guard format == Self.currentFormat else {
            throw fail("format \(format) is not supported by this version (it reads format \(Self.currentFormat))")
        }
        guard FieldRules.isOrigin(origin) else { throw fail("origin \"\(quotedForMessage(origin))\" is not a valid origin") }
        guard let suite = Suite(rawValue: suiteName) else { throw fail("unknown suite \"\(quotedForMessage(suiteName))\"") }
        let key: PublicKey
        do {
            key = try PublicKey(string: keyText, field: "operator")
        } catch {
            throw fail(error.message)
        }
        guard key.suite == suite else { throw fail("the operator key is a \(key.suite.keyPrefix) key but the suite is \(suite)") }
        self.init(origin: origin, suite: suite, operatorKey: key)
    }

    /// Reads the manifest of the ledger at `layout`.
    package static func read(_ layout: LedgerLayout) throws(StoreError) -> LedgerManifest {
        guard Directory.exists(layout.manifest) else {
            let directory = layout.directory
            var info = stat()
            if stat(directory, &info) != 0 {
                throw StoreError(.notALedger, "\(directory) does not exist: give the directory of a ledger (it holds ledger.json and log/); `flowledger init` creates a new one")
            }
            if info.st_mode & S_IFMT != S_IFDIR {
                throw StoreError(.notALedger, "\(directory) is a file, not a ledger directory: give the directory of a ledger (it holds ledger.json and log/)")
            }
            throw StoreError(.notALedger, "\(directory) is not a FlowLedger ledger: \(layout.manifest) is missing; create one with `flowledger init \(directory) --origin … --operator-key … --operator-id …`")
        }
        return try LedgerManifest(bytes: Directory.readFile(layout.manifest, limit: 1 << 16), path: layout.manifest)
    }
}
