import LedgerCrypto

/// Signs notes under a key name: the operator signing checkpoints (Ed25519 or SM2) or a witness
/// cosigning them (Ed25519 cosignature/v1).
///
/// ```swift
/// let signer = try NoteSigner(name: origin, key: operatorKey)
/// let note = try signer.sign(checkpoint.text)
/// ```
package struct NoteSigner: Sendable {
    /// The key name.
    package let name: String
    /// The private key.
    private let key: PrivateKey
    /// The matching verifier key.
    package let verifierKey: VerifierKey

    /// A signer for `name`; the algorithm follows the key (Ed25519 → 0x01, SM2 → 0xff), or is
    /// ``VerifierKey/Algorithm/cosignatureV1`` for a witness when `cosigner` is true.
    package init(name: String, key: PrivateKey, cosigner: Bool = false) throws(NoteError) {
        let algorithm: VerifierKey.Algorithm
        switch (key.suite, cosigner) {
        case (.ed25519SHA256, false): algorithm = .ed25519
        case (.ed25519SHA256, true): algorithm = .cosignatureV1
        case (.sm2SM3, false): algorithm = .sm2SM3
        case (.sm2SM3, true):
            throw NoteError(.malformedVerifierKey, "witness cosignatures (c2sp.org/tlog-cosignature) are Ed25519; use an ed25519 key for the witness")
        }
        self.name = name
        self.key = key
        self.verifierKey = try VerifierKey(name: name, publicKey: key.publicKey, algorithm: algorithm)
    }

    /// The signature line over `text` (cosigners: with `timestamp`, seconds since the epoch).
    package func signature(over text: String, timestamp: UInt64 = 0) throws -> Note.Signature {
        let message = Array(text.utf8)
        let bytes: [UInt8]
        switch verifierKey.algorithm {
        case .ed25519, .sm2SM3:
            bytes = try key.sign(message)
        case .cosignatureV1:
            let prefix = (0..<8).map { UInt8(timestamp >> UInt64(56 - 8 * $0) & 0xff) }
            bytes = prefix + (try key.sign(VerifierKey.cosignatureMessage(text: message, timestamp: timestamp)))
        }
        return Note.Signature(name: name, keyID: verifierKey.keyID, bytes: bytes)
    }

    /// A new note: `text` with this signer's signature.
    package func sign(_ text: String, timestamp: UInt64 = 0) throws -> Note {
        try Note.checkText(Array(text.utf8), what: "note text")
        return try Note(text: text, signatures: [signature(over: text, timestamp: timestamp)])
    }
}
