import LedgerCrypto

/// A note verifier key, `<name>+<8 hex key id>+<base64(type || public key)>` — the format of Go's
/// `golang.org/x/mod/sumdb/note`, so third-party verifiers accept our checkpoints and we theirs.
///
/// Key id = first 4 bytes (big-endian) of SHA-256(name || "\n" || type || public key); SHA-256
/// in every suite (DESIGN §8).
///
/// ```swift
/// let vkey = try VerifierKey(string: "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
/// let (note, _) = try Note.open(bytes, verifiers: [vkey])
/// ```
public struct VerifierKey: Hashable, Sendable, CustomStringConvertible {
    /// The signature algorithms a verifier key can name.
    public enum Algorithm: Hashable, Sendable {
        /// Type 0x01: Ed25519 over the note text (checkpoints of `ed25519-sha256` ledgers).
        case ed25519
        /// Type 0x04: a timestamped Ed25519 witness cosignature (c2sp.org/tlog-cosignature).
        case cosignatureV1
        /// Type 0xff + "flowledger/sm2-sm3\n": SM2 with SM3 over the note text, DER signature
        /// (checkpoints of `sm2-sm3` ledgers).
        case sm2SM3

        /// The bytes that precede the raw public key in the encoding.
        var typePrefix: [UInt8] {
            switch self {
            case .ed25519: return [0x01]
            case .cosignatureV1: return [0x04]
            case .sm2SM3: return [0xff] + Array(VerifierKey.sm2Label.utf8)
            }
        }

        var suite: Suite {
            switch self {
            case .ed25519, .cosignatureV1: return .ed25519SHA256
            case .sm2SM3: return .sm2SM3
            }
        }
    }

    /// The identifier that follows type byte 0xff for FlowLedger's SM2 note signatures.
    package static let sm2Label = "flowledger/sm2-sm3\n"

    /// The key name (for a ledger's checkpoints, its origin).
    public let name: String
    /// The 4-byte key id.
    public let keyID: UInt32
    /// The signature algorithm.
    public let algorithm: Algorithm
    /// The public key.
    public let publicKey: PublicKey

    /// Builds the verifier key of `publicKey` under `name`.
    public init(name: String, publicKey: PublicKey, algorithm: Algorithm) throws(NoteError) {
        guard Note.isValidKeyName(name) else {
            throw NoteError(.malformedVerifierKey, "key name \"\(name)\" is invalid: it must be non-empty, without spaces or '+'")
        }
        guard publicKey.suite == algorithm.suite else {
            throw NoteError(.malformedVerifierKey, "a \(publicKey.suite.keyPrefix) key cannot make \(algorithm) signatures")
        }
        self.name = name
        self.algorithm = algorithm
        self.publicKey = publicKey
        self.keyID = Self.keyID(name: name, encoding: algorithm.typePrefix + publicKey.rawBytes)
    }

    /// Parses `name+hex+base64`, checking the key id against the name and key.
    public init(string: String) throws(NoteError) {
        let parts = string.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[1].utf8.count == 8, let claimed = UInt32(parts[1], radix: 16),
              parts[1].allSatisfy({ $0.isHexDigit && !$0.isUppercase })
        else {
            throw NoteError(.malformedVerifierKey, "verifier key \"\(quotedForMessage(string, limit: 60))\" is not name+<8 hex digits>+<base64>; print the right one with `flowledger vkey DIR`")
        }
        let encoding: [UInt8]
        do {
            encoding = try Base64.decode(parts[2], field: "verifier key")
        } catch {
            throw NoteError(.malformedVerifierKey, error.message)
        }
        let name = String(parts[0])
        let algorithm: Algorithm
        let raw: [UInt8]
        if encoding.first == 0x01 {
            (algorithm, raw) = (.ed25519, Array(encoding.dropFirst()))
        } else if encoding.first == 0x04 {
            (algorithm, raw) = (.cosignatureV1, Array(encoding.dropFirst()))
        } else if encoding.starts(with: Algorithm.sm2SM3.typePrefix) {
            (algorithm, raw) = (.sm2SM3, Array(encoding.dropFirst(Algorithm.sm2SM3.typePrefix.count)))
        } else {
            throw NoteError(.malformedVerifierKey, "verifier key \(name) has an unknown signature type 0x\(Hex.encode(encoding.prefix(1))); FlowLedger knows 0x01 (Ed25519), 0x04 (cosignature/v1) and 0xff flowledger/sm2-sm3")
        }
        let key: PublicKey
        do {
            key = try PublicKey(suite: algorithm.suite, rawBytes: raw, field: "verifier key \(name)")
        } catch {
            throw NoteError(.malformedVerifierKey, error.message)
        }
        try self.init(name: name, publicKey: key, algorithm: algorithm)
        guard keyID == claimed else {
            throw NoteError(.malformedVerifierKey, "verifier key \(name): key id \(parts[1]) does not match the name and key (expected \(Note.hex(keyID))); the key string was altered")
        }
    }

    /// `name+<8 hex>`: the key as messages name it, without its key bytes.
    package var shortName: String { "\(name)+\(Note.hex(keyID))" }

    /// `name+<8 hex>+base64(type || key)`.
    public var string: String {
        "\(shortName)+\(Base64.encode(algorithm.typePrefix + publicKey.rawBytes))"
    }

    /// The key string.
    public var description: String { string }

    /// Checks one signature line's bytes (after the key id) over the note text `message`.
    public func verify(message: [UInt8], signature: [UInt8]) -> Bool {
        switch algorithm {
        case .ed25519, .sm2SM3:
            return publicKey.verify(signature: signature, message: message)
        case .cosignatureV1:
            guard let timestamp = Self.cosignatureTimestamp(signature) else { return false }
            return publicKey.verify(signature: signature[8...], message: Self.cosignatureMessage(text: message, timestamp: timestamp))
        }
    }

    /// The timestamp of a cosignature (`timestamp(8, big-endian) || signature(64)`), or nil.
    package static func cosignatureTimestamp(_ signature: [UInt8]) -> UInt64? {
        guard signature.count == 72 else { return nil }
        let timestamp = signature.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return timestamp <= UInt64(Int64.max) ? timestamp : nil
    }

    /// The message a cosigner signs: "cosignature/v1\ntime <ts>\n" || checkpoint text.
    package static func cosignatureMessage(text: [UInt8], timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + text
    }

    /// First 4 bytes, big-endian, of SHA-256(name || "\n" || encoding).
    static func keyID(name: String, encoding: [UInt8]) -> UInt32 {
        let digest = HashAlgorithm.sha256.hash(Array(name.utf8) + [0x0a] + encoding).bytes
        return Note.keyID(digest)
    }
}
