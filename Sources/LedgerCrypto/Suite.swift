/// A crypto suite (DESIGN §3), fixed for a ledger at genesis.
///
/// | suite | hash H | signature |
/// |---|---|---|
/// | `ed25519-sha256` | SHA-256 | Ed25519 (RFC 8032, pure) |
/// | `sm2-sm3` | SM3 (GB/T 32905) | SM2 with SM3, distinguishing id `1234567812345678`, DER signatures |
public enum Suite: String, Sendable, CaseIterable, CustomStringConvertible {
    /// The default suite: Ed25519 signatures, SHA-256 hashes.
    case ed25519SHA256 = "ed25519-sha256"
    /// China's national algorithms: SM2 signatures, SM3 hashes.
    case sm2SM3 = "sm2-sm3"

    /// The distinguishing id used for every SM2 signature (GM/T 0009 default).
    public static let sm2DistinguishingID = "1234567812345678"

    /// Parses a suite name as written in `ledger.json` and the genesis body.
    public init(name: String) throws(CryptoError) {
        guard let suite = Suite(rawValue: name) else {
            throw CryptoError(.unknownSuite, "unknown crypto suite \"\(name)\"; expected \"ed25519-sha256\" or \"sm2-sm3\"")
        }
        self = suite
    }

    /// The suite's hash function H.
    public var hash: HashAlgorithm {
        switch self {
        case .ed25519SHA256: return .sha256
        case .sm2SM3: return .sm3
        }
    }

    /// The prefix of public key strings: `ed25519` or `sm2`.
    public var keyPrefix: String {
        switch self {
        case .ed25519SHA256: return "ed25519"
        case .sm2SM3: return "sm2"
        }
    }

    /// The length of a raw public key: 32 bytes (Ed25519) or 65 bytes (SM2 `04 || X || Y`).
    public var publicKeyLength: Int {
        switch self {
        case .ed25519SHA256: return 32
        case .sm2SM3: return 65
        }
    }

    /// OpenSSL's algorithm name for keys of this suite.
    var openSSLKeyType: String {
        switch self {
        case .ed25519SHA256: return "ED25519"
        case .sm2SM3: return "SM2"
        }
    }

    /// The suite name.
    public var description: String { rawValue }
}
