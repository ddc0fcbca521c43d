import LedgerCrypto

/// An event with its author's signature, as a participant hands it to the ledger
/// (`{"event":{…},"sig":"<base64>"}`, the line format of `append --signed`).
public struct SignedEvent: Hashable, Sendable {
    /// The event.
    public let event: Event
    /// Sign(author key, M) with M from ``Event/signingMessage(origin:)``.
    public let signature: [UInt8]
    /// canonical(event), kept from signing or from the canonical line it was read from, so the
    /// ledger checks the signature and writes the entry without encoding the event again.
    public let canonicalEvent: [UInt8]

    /// Pairs an event with a signature made elsewhere (not checked here).
    public init(event: Event, signature: [UInt8]) {
        self.event = event
        self.signature = signature
        self.canonicalEvent = event.canonicalBytes
    }

    /// Pairs an event with a signature and its canonical bytes, taken from a canonical line.
    init(event: Event, signature: [UInt8], canonicalEvent: [UInt8]) {
        self.event = event
        self.signature = signature
        self.canonicalEvent = canonicalEvent
    }

    /// Signs `event` for the ledger named `origin`.
    /// - Throws: ``FormatError`` when `signer` is not the key the event names.
    public init(event: Event, origin: String, signer: PrivateKey) throws {
        guard signer.publicKey.keyID == event.keyID else {
            throw FormatError(.invalidValue, field: "key", "the event names key \(event.keyID) but the signing key is \(signer.publicKey.keyID)")
        }
        self.event = event
        self.canonicalEvent = event.canonicalBytes
        self.signature = try signer.sign(Event.signingMessage(origin: origin, canonicalEvent: canonicalEvent))
    }

    /// Reads `{"event":{…},"sig":"…"}` strictly.
    public init(json: JSONValue) throws(FormatError) {
        (event, signature, canonicalEvent) = try Self.read(try ObjectReader(json, path: ""))
    }

    /// The event, the signature and canonical(event) of a `{"event","sig"}` object.
    private static func read(_ object: ObjectReader) throws(FormatError) -> (Event, [UInt8], [UInt8]) {
        var reader = object
        let (tape, eventNode) = try reader.nested("event")
        let sigText = try reader.string("sig")
        try reader.finish()
        let event: Event
        do {
            event = try Event(tape: tape, node: eventNode)
        } catch {
            throw error.nested(under: "event")
        }
        return (event, try decodeSignature(sigText, field: "sig"), Array(tape.slice(of: eventNode)))
    }

    /// Reads a line that must be exactly canonical(`{"event":{…},"sig":"…"}`) — the input of
    /// `append --signed`. The event's canonical bytes are taken from the line itself: for a
    /// canonical line they are the bytes between `{"event":` and `,"sig":"<base64>"}`.
    public init(canonicalLine line: ArraySlice<UInt8>) throws(FormatError) {
        let tape: JSONTape
        do {
            tape = try CanonicalJSONParser.tape(Array(line))
        } catch {
            throw FormatError(canonicalJSON: error, advice: "signed lines must be canonical: sorted keys, no spaces; `flowledger sign` writes them")
        }
        // The line is canonical, so canonical(event) is the event's own bytes in it.
        (event, signature, canonicalEvent) = try Self.read(try ObjectReader(tape, path: ""))
    }

    /// True when the signature verifies under `key` for the ledger `origin`.
    public func verify(with key: PublicKey, origin: String) -> Bool {
        key.verify(signature: signature, message: Event.signingMessage(origin: origin, canonicalEvent: canonicalEvent))
    }

    /// Equal when the canonical events and the signatures are byte for byte (see ``Event/==(_:_:)``).
    public static func == (a: SignedEvent, b: SignedEvent) -> Bool {
        a.canonicalEvent == b.canonicalEvent && a.signature == b.signature
    }

    /// Hashes the canonical event and the signature.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(canonicalEvent)
        hasher.combine(signature)
    }

    /// `{"event":…,"sig":…}`.
    public var json: JSONValue {
        .object(["event": event.json, "sig": .string(Base64.encode(signature))])
    }

    /// The canonical `{"event","sig"}` line without its newline: what `flowledger sign` writes,
    /// `append --signed` reads and `POST v1/entries` takes, one per line.
    public var line: [UInt8] { CanonicalJSON.encode(json) }

    /// The longest signature text: base64 of 128 bytes (Ed25519 signatures are 64, SM2 DER ≤ 72).
    static let maxSignatureCharacters = 172

    /// Signatures are base64 of at most 128 bytes (Ed25519: 64; SM2 DER: ≤ 72).
    static func decodeSignature(_ text: String, field: String) throws(FormatError) -> [UInt8] {
        guard text.utf8.count <= maxSignatureCharacters else {
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
