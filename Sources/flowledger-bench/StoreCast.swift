// The parties of the store benchmark: an operator, a ride-hailing platform (provider) that
// catalogs `trips` and grants it to a transport commission (recipient), and the platform's
// `exchange.sent` events to the commission — the ledger's bulk traffic.
import Foundation
import FlowLedger

struct StoreCast: Sendable {
    let suite: Suite
    let origin = "exchange.bench.example/2026"
    let operatorKey: PrivateKey
    let providerKey: PrivateKey
    let recipientKey: PrivateKey
    /// The authors' timestamp of every event (the ledger assigns its own entry times).
    let at: Timestamp
    /// The events after genesis that set the scene, signed once: every benchmark ledger has the
    /// same origin and keys, so the same signed events are valid in each of them.
    let setUp: [SignedEvent]

    var operatorParty: Participant { Participant(id: "ops.exchange", key: operatorKey, origin: origin) }
    var provider: Participant { Participant(id: "ride.example", key: providerKey, origin: origin) }

    /// A cast with new keys.
    init(suite: Suite) throws {
        try self.init(suite: suite, keys: (0..<3).map { _ in try PrivateKey.generate(suite: suite) })
    }

    /// A cast with the operator's, the provider's and the recipient's keys, in that order (so a
    /// ledger kept from an earlier run can be extended and verified with the keys it was built with).
    init(suite: Suite, keys: [PrivateKey]) throws {
        self.suite = suite
        operatorKey = keys[0]
        providerKey = keys[1]
        recipientKey = keys[2]
        at = try Timestamp(parsing: "2026-11-23T08:00:00Z")
        let op = Participant(id: "ops.exchange", key: operatorKey, origin: origin)
        let provider = Participant(id: "ride.example", key: providerKey, origin: origin)
        setUp = [
            try op.sign(.partyRegistered(PartyRegisteredBody(party: "ride.example", name: "Ride platform", kind: .enterprise,
                                                             roles: [.provider], key: providerKey.publicKey)), id: "reg-ride", at: at),
            try op.sign(.partyRegistered(PartyRegisteredBody(party: "transport.sh", name: "Transport commission", kind: .government,
                                                             roles: [.recipient], key: recipientKey.publicKey)), id: "reg-transport", at: at),
            try provider.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "Trip records", sharing: .conditional,
                                                                     level: .important, fields: ["driver", "end", "start"])), id: "cat-trips", at: at),
            try provider.sign(.grantIssued(GrantIssuedBody(grant: "g-1", dataset: "trips", grantee: "transport.sh", purpose: "supervision",
                                                           fields: ["end", "start"], from: at, until: Timestamp(parsing: "2027-11-23T08:00:00Z"),
                                                           basis: "Transport regulation art. 12")), id: "grant-1", at: at),
        ]
    }

    /// Entries in a new benchmark ledger before the first exchange (genesis and the scene).
    var setUpEntries: Int { 1 + setUp.count }

    /// Exchange number `n` from the platform to the transport commission, under grant g-1.
    func exchange(_ n: Int) throws -> SignedEvent {
        try provider.sign(.exchangeSent(ExchangeSentBody(
            exchange: "x-\(n)", dataset: "trips", recipient: "transport.sh", grant: "g-1", purpose: "supervision",
            fields: ["end", "start"], records: Int64(1 + n % 5000), bytes: Int64(400 * (1 + n % 5000)),
            digest: suite.hash.hash(Array("payload \(n)".utf8)).hex)), id: "x-\(n)", at: at)
    }

    /// Exchanges `range`, signed on every core.
    func exchanges(_ range: Range<Int>) throws -> [SignedEvent] {
        try parallelMap(range.count) { try exchange(range.lowerBound + $0) }
    }

    /// A new ledger at `directory` with the scene set up (``setUpEntries`` entries), default
    /// writer options (fsync per batch).
    func createLedger(at directory: String) throws -> Ledger {
        let ledger = try Ledger.create(at: directory, origin: origin, operatorID: "ops.exchange", operatorName: "Exchange operator",
                                       operatorKey: operatorKey)
        do {
            _ = try ledger.writer.appendBlocking(setUp)
        } catch {
            ledger.close()
            throw error
        }
        return ledger
    }
}

extension StoreCast {
    /// The transport commission's acknowledgement of exchange number `n`, exactly as sent.
    func acknowledgement(_ n: Int) throws -> SignedEvent {
        let recipient = Participant(id: "transport.sh", key: recipientKey, origin: origin)
        return try recipient.sign(.exchangeReceived(ExchangeReceivedBody(
            exchange: "x-\(n)", digest: suite.hash.hash(Array("payload \(n)".utf8)).hex, records: Int64(1 + n % 5000))), id: "ack-x-\(n)", at: at)
    }
}
