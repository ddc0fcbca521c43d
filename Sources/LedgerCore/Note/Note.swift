import LedgerCrypto

/// A C2SP signed note (c2sp.org/signed-note), the envelope of checkpoints:
///
///     <text, ending in "\n">
///     <blank line>
///     — <key name> <base64(4-byte key id || signature)>
///     …
///
/// The signed bytes are the text, up to and including its last newline. Parsing is strict and
/// never traps: UTF-8 only, no control characters but newline, at most ``maxSignatures`` lines,
/// canonical base64, and no two lines with the same key name and id.
public struct Note: Hashable, Sendable {
    /// The most signature lines accepted (Go's limit; the spec asks for at least 16).
    public static let maxSignatures = 100
    /// The largest note accepted, in bytes.
    public static let maxBytes = 1 << 20

    /// One signature line.
    public struct Signature: Hashable, Sendable {
        /// The key name.
        public let name: String
        /// The 4-byte key id, big-endian.
        public let keyID: UInt32
        /// The signature bytes after the key id.
        public let bytes: [UInt8]

        /// Creates a signature line.
        public init(name: String, keyID: UInt32, bytes: [UInt8]) {
            self.name = name
            self.keyID = keyID
            self.bytes = bytes
        }

        /// Whether this line is by `key`: the same key name and key id (c2sp.org/signed-note).
        package func isBy(_ key: VerifierKey) -> Bool { name == key.name && keyID == key.keyID }

        /// `— name base64(keyID || bytes)\n`.
        public var line: String {
            let id = [UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)]
            return "— \(name) \(Base64.encode(id + bytes))\n"
        }
    }

    /// The signed text, ending in a newline.
    public let text: String
    /// The signature lines, in order.
    public let signatures: [Signature]

    /// Creates a note from its parts; `text` must end in a newline.
    public init(text: String, signatures: [Signature]) throws(NoteError) {
        try Self.checkText(Array(text.utf8), what: "note text")
        self.text = text
        self.signatures = signatures
    }

    /// The note's bytes: text, blank line, signature lines.
    public var serialized: String { text + "\n" + signatures.map(\.line).joined() }

    /// Whether the note is within the limits ``init(parsing:)`` holds a note to (``maxSignatures``
    /// lines, ``maxBytes`` bytes), so that it can be read back.
    package var isWithinLimits: Bool { signatures.count <= Self.maxSignatures && serialized.utf8.count <= Self.maxBytes }

    /// Parses a note's structure without verifying any signature.
    public init(parsing bytes: some Collection<UInt8>) throws(NoteError) {
        let bytes = Array(bytes)
        guard bytes.count <= Self.maxBytes else {
            throw NoteError(.malformedNote, "note is \(bytes.count) bytes; the limit is \(Self.maxBytes)")
        }
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw NoteError(.malformedNote, "note is not valid UTF-8")
        }
        if let index = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x0a }) {
            throw NoteError(.malformedNote, "note contains control character 0x\(Hex.encode([bytes[index]])) at byte \(index + 1); only newlines are allowed")
        }
        // The text ends at the last blank line: the last "\n\n".
        var split: Int?
        var i = bytes.count - 2
        while i >= 0 {
            if bytes[i] == 0x0a && bytes[i + 1] == 0x0a {
                split = i
                break
            }
            i -= 1
        }
        guard let split else {
            throw NoteError(.malformedNote, "note has no blank line between its text and its signatures")
        }
        let textBytes = Array(bytes[...split])
        let signatureBytes = bytes[(split + 2)...]
        guard !signatureBytes.isEmpty, signatureBytes.last == 0x0a else {
            throw NoteError(.malformedNote, "note has no signature lines after the blank line, or its last line does not end in a newline")
        }
        var signatures: [Signature] = []
        var seen = Set<String>()
        for (number, lineBytes) in signatureBytes.dropLast().split(separator: 0x0a, omittingEmptySubsequences: false).enumerated() {
            let line = String(decoding: lineBytes, as: UTF8.self)
            let prefix = "— "
            guard line.hasPrefix(prefix) else {
                throw NoteError(.malformedNote, "signature line \(number + 1) does not start with an em dash and a space (\"— \")")
            }
            let rest = line.dropFirst(prefix.count)
            guard let space = rest.firstIndex(of: " ") else {
                throw NoteError(.malformedNote, "signature line \(number + 1) has no space between key name and signature")
            }
            let name = String(rest[..<space])
            guard Self.isValidKeyName(name) else {
                throw NoteError(.malformedNote, "signature line \(number + 1) has an invalid key name (empty, or containing a space or '+')")
            }
            let decoded: [UInt8]
            do {
                decoded = try Base64.decode(rest[rest.index(after: space)...], field: "signature line \(number + 1)")
            } catch {
                throw NoteError(.malformedNote, error.message)
            }
            guard decoded.count >= 5 else {
                throw NoteError(.malformedNote, "signature line \(number + 1) is too short: a key id and a signature need at least 5 bytes")
            }
            signatures.append(Signature(name: name, keyID: Self.keyID(decoded), bytes: Array(decoded[4...])))
            guard signatures.count <= Self.maxSignatures else {
                throw NoteError(.malformedNote, "note has more than \(Self.maxSignatures) signature lines")
            }
            guard seen.insert("\(name)+\(signatures.last!.keyID)").inserted else {
                throw NoteError(.malformedNote, "signature line \(number + 1) repeats key \(name)+\(Self.hex(signatures.last!.keyID)); a note carries at most one signature per key")
            }
        }
        self.text = String(decoding: textBytes, as: UTF8.self)
        self.signatures = signatures
    }

    /// Parses and verifies a note: every signature from a key in `verifiers` (same name and key
    /// id) must verify, and at least one must be present. Signatures of unknown keys are kept but
    /// not trusted (c2sp.org/signed-note).
    /// - Returns: the note and the verifiers whose signatures verified.
    public static func open(_ bytes: some Collection<UInt8>, verifiers: [VerifierKey]) throws(NoteError) -> (note: Note, verifiedBy: [VerifierKey]) {
        let note = try Note(parsing: bytes)
        var verified: [VerifierKey] = []
        let message = Array(note.text.utf8)
        for signature in note.signatures {
            guard let verifier = verifiers.first(where: signature.isBy) else { continue }
            guard verifier.verify(message: message, signature: signature.bytes) else {
                throw NoteError(.invalidSignature, "the signature of \(verifier.name)+\(hex(verifier.keyID)) does not verify: the note text was changed after signing, or the signature is forged")
            }
            verified.append(verifier)
        }
        guard !verified.isEmpty else {
            let present = note.signatures.map { "\($0.name)+\(hex($0.keyID))" }.joined(separator: ", ")
            let trusted = verifiers.map { "\($0.name)+\(hex($0.keyID))" }.joined(separator: ", ")
            throw NoteError(.unverified, "note has no signature from a trusted key (signed by: \(present); trusted: \(trusted.isEmpty ? "none" : trusted)); check that you passed the right verifier key")
        }
        return (note, verified)
    }

    /// Appends signature lines; lines from the same key (name and id) are replaced.
    public func adding(_ new: [Signature]) -> Note {
        let kept = signatures.filter { old in !new.contains { $0.name == old.name && $0.keyID == old.keyID } }
        return try! Note(text: text, signatures: kept + new)  // text was checked when self was made
    }

    /// Key names are non-empty, with no Unicode white space and no '+'.
    public static func isValidKeyName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0.properties.isWhitespace || $0 == "+" }
    }

    /// Note text: ends in a newline, no control characters but newline, no blank line at the end.
    static func checkText(_ bytes: [UInt8], what: String) throws(NoteError) {
        guard bytes.last == 0x0a else { throw NoteError(.malformedNote, "\(what) must end with a newline") }
        if let index = bytes.firstIndex(where: { $0 < 0x20 && $0 != 0x0a }) {
            throw NoteError(.malformedNote, "\(what) contains control character 0x\(Hex.encode([bytes[index]])) at byte \(index + 1)")
        }
    }

    static func keyID(_ bytes: [UInt8]) -> UInt32 {
        UInt32(bytes[0]) << 24 | UInt32(bytes[1]) << 16 | UInt32(bytes[2]) << 8 | UInt32(bytes[3])
    }

    /// A key id as 8 lowercase hex digits.
    package static func hex(_ keyID: UInt32) -> String {
        Hex.encode([UInt8(keyID >> 24), UInt8(keyID >> 16 & 0xff), UInt8(keyID >> 8 & 0xff), UInt8(keyID & 0xff)])
    }
}
