import LedgerCrypto

/// An event with its author's signature, as a participant hands it to the ledger
/// (`{"event":{…},"sig":"<base64>"}`, the line format of `append --signed`).
public struct SignedEvent: Hashable, Sendable {
    /// The event.
    public let event: Event
    /// Sign(author key, M) with M from ``Event/signingMessage(origin:)``.
    public let signature: [UInt8]

    /// Pairs an event with a signature made elsewhere (not checked here).
    public init(event: Event, signature: [UInt8]) {
        self.event = event
        self.signature = signature
    }

    /// Signs `event` for the ledger named `origin`.
    /// - Throws: ``FormatError`` when `signer` is not the key the event names.
    public init(event: Event, origin: String, signer: PrivateKey) throws {
        guard signer.publicKey.keyID == event.keyID else {
            throw FormatError(.invalidValue, field: "key", "the event names key \(event.keyID) but the signing key is \(signer.publicKey.keyID)")
        }
        self.event = event
        self.signature = try signer.sign(event.signingMessage(origin: origin))
    }

    /// Reads `{"event":{…},"sig":"…"}` strictly.
    public init(json: JSONValue) throws(FormatError) {
        var reader = try ObjectReader(json, path: "")
        let eventJSON = try reader.value("event")
        let sigText = try reader.string("sig")
        try reader.finish()
        do {
            event = try Event(json: eventJSON)
        } catch {
            throw error.nested(under: "event")
        }
        signature = try Self.decodeSignature(sigText, field: "sig")
    }

    /// True when the signature verifies under `key` for the ledger `origin`.
    public func verify(with key: PublicKey, origin: String) -> Bool {
        key.verify(signature: signature, message: event.signingMessage(origin: origin))
    }

    /// `{"event":…,"sig":…}`.
    public var json: JSONValue {
        .object(["event": event.json, "sig": .string(Base64.encode(signature))])
    }

    /// Signatures are base64 of at most 128 bytes (Ed25519: 64; SM2 DER: ≤ 72).
    static func decodeSignature(_ text: String, field: String) throws(FormatError) -> [UInt8] {
        guard text.utf8.count <= 172 else {
            throw FormatError(.invalidValue, field: field, "signature is too long (\(text.utf8.count) characters of base64)")
        }
        let bytes: [UInt8]
        do {
            bytes = try Base64.decode(text, field: field)
        } catch {
            throw FormatError(.invalidValue, field: field, error.message.dropPrefix(field + ": "))
        }
        guard !bytes.isEmpty else { throw FormatError(.invalidValue, field: field, "signature is empty") }
        return bytes
    }
}
