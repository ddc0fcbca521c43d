import LedgerCore
import LedgerCrypto
import LedgerStore

/// An organisation that writes to a ledger: its party id and signing key, bound to one ledger's
/// origin so everything it signs can only be appended there (DESIGN §5).
///
/// ```swift
/// let platform = Participant(id: "ride.example", key: try PrivateKey(pem: pemText), origin: ledger.origin)
/// let sent = try platform.sign(.exchangeSent(ExchangeSentBody(
///     exchange: "x-1", dataset: "trips", recipient: "transport.sh", grant: "g-1", purpose: "supervision",
///     fields: ["end", "start"], records: 1200, bytes: 480_000, digest: digestHex)), id: "x-1")
/// let receipt = try await ledger.append(sent)
/// ```
public struct Participant: Sendable {
    /// The party id it signs as.
    public let id: String
    /// Its signing key (never printed: its description shows only the key id).
    public let key: PrivateKey
    /// The ledger its events are for.
    public let origin: String

    /// A participant `id` signing with `key` for the ledger `origin`.
    public init(id: String, key: PrivateKey, origin: String) {
        self.id = id
        self.key = key
        self.origin = origin
    }

    /// Signs an event with `body` under the event id `id` (the idempotency key: appending the
    /// same signed event again returns its original receipt), timestamped `at` (now by default).
    /// - Throws: ``FormatError`` for an invalid id.
    public func sign(_ body: EventBody, id: String, at: Timestamp = .now()) throws -> SignedEvent {
        let event = try Event(id: id, author: self.id, keyID: key.publicKey.keyID, at: at, body: body)
        return try SignedEvent(event: event, origin: origin, signer: key)
    }
}
