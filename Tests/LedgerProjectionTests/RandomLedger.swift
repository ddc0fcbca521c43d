import FlowLedger
import Foundation
import LedgerTestSupport

/// A ledger built through the participants' library from a seed: providers catalogue datasets
/// of every sharing class and level, issue grants (some short-lived) and revoke some, send
/// exchanges with and without grants, recipients acknowledge most of them (some with another
/// digest or count), report quality, a regulator records findings and suspends a party, keys
/// rotate; ledger time jumps now and then past grant ends and the P7 window. Every event obeys
/// the integrity rules, so each round appends.
final class RandomLedger {
    let directory: String
    let origin = "random.test.example/2026"
    private(set) var ledger: Ledger
    private var random: SeededRandom
    private let clock = TestClock()
    private let operatorKey: PrivateKey
    private var keys: [String: PrivateKey] = [:]
    private var next = 0
    private let providers = ["ride-a.example", "ride-b.example", "telecom.example", "tax.city"]
    private let recipients = ["transport.city", "health.city", "tax.city", "market.example"]
    private var datasets: [(id: String, owner: String, fields: [String])] = []
    private var grants: [(id: String, dataset: String, owner: String, grantee: String)] = []
    private var unacknowledged: [(id: String, recipient: String, digest: String, records: Int64)] = []
    private var delivered: [(recipient: String, dataset: String)] = []

    init(seed: UInt64) async throws {
        random = SeededRandom(seed: seed)
        directory = try temporaryDirectory().appendingPathComponent("ledger").path
        operatorKey = try PrivateKey.generate(suite: .ed25519SHA256)
        ledger = try Ledger.create(at: directory, origin: origin, operatorID: "ops.exchange", operatorKey: operatorKey,
                                   genesisTime: clock.now, options: clock.options)
        let parties: [(String, PartyKind, [PartyRole])] = [
            ("ride-a.example", .enterprise, [.provider]), ("ride-b.example", .enterprise, [.provider]),
            ("telecom.example", .enterprise, [.provider]), ("tax.city", .government, [.provider, .recipient]),
            ("transport.city", .government, [.recipient]), ("health.city", .government, [.recipient]),
            ("market.example", .enterprise, [.recipient]), ("audit.city", .regulator, [.regulator]),
        ]
        var events: [SignedEvent] = []
        for (party, kind, roles) in parties {
            let key = try PrivateKey.generate(suite: .ed25519SHA256)
            keys[party] = key
            events.append(try sign("ops.exchange", .partyRegistered(PartyRegisteredBody(party: party, name: "Party \(party)", kind: kind, roles: roles, key: key.publicKey))))
        }
        _ = try await ledger.append(events)
    }

    /// Appends about `count` more events in batches.
    func grow(_ count: Int) async throws {
        var batch: [SignedEvent] = []
        for _ in 0..<count {
            if let event = try nextEvent() { batch.append(event) }
            if batch.count == 64 || Int.random(in: 0..<20, using: &random) == 0 {
                if !batch.isEmpty { _ = try await ledger.append(batch) }
                batch.removeAll()
                // Time moves between batches: now and then by a day or more (grants end, P7 fires).
                clock.advance(microseconds: Int64.random(in: 0...(Int.random(in: 0..<8, using: &random) == 0 ? 40 * 3_600_000_000 : 600_000_000), using: &random))
            }
        }
        if !batch.isEmpty { _ = try await ledger.append(batch) }
    }

    func close() { ledger.close() }

    func removeAll() { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path) }

    // MARK: - Events

    private func nextEvent() throws -> SignedEvent? {
        let roll = Int.random(in: 0..<100, using: &random)
        if datasets.count < 3 || roll < 6 {
            let owner = providers.randomElement(using: &random)!
            let id = "ds-\(next)"
            let fields = Array(["a", "b", "c", "d", "e"].shuffled(using: &random).prefix(Int.random(in: 2...5, using: &random))).sorted()
            datasets.append((id, owner, fields))
            return try sign(owner, .datasetCataloged(DatasetCatalogedBody(
                dataset: id, title: "Dataset \(id)", sharing: SharingClass.allCases.randomElement(using: &random)!,
                level: SecurityLevel.allCases.randomElement(using: &random)!, fields: fields)))
        }
        if roll < 14 {
            let dataset = datasets.randomElement(using: &random)!
            let id = "g-\(next)"
            let grantee = recipients.filter { $0 != dataset.owner }.randomElement(using: &random)!
            grants.append((id, dataset.id, dataset.owner, grantee))
            let now = clock.now.microsecondsSinceEpoch
            let until = Int.random(in: 0..<4, using: &random) == 0 ? now + 3_600_000_000 : now + 400 * 86_400_000_000
            return try sign(dataset.owner, .grantIssued(GrantIssuedBody(
                grant: id, dataset: dataset.id, grantee: grantee, purpose: ["supervision", "research"].randomElement(using: &random)!,
                fields: Array(dataset.fields.prefix(Int.random(in: 1...dataset.fields.count, using: &random))),
                from: Timestamp(microsecondsSinceEpoch: now - 1_000_000), until: Timestamp(microsecondsSinceEpoch: until), basis: "test basis")))
        }
        if roll < 16, !grants.isEmpty {
            let grant = grants.remove(at: Int.random(in: 0..<grants.count, using: &random))
            return try sign(grant.owner, .grantRevoked(GrantRevokedBody(grant: grant.id, reason: "ended")))
        }
        if roll < 60 {
            let dataset = datasets.randomElement(using: &random)!
            let grant = grants.filter { $0.dataset == dataset.id }.randomElement(using: &random)
            let recipient = grant?.grantee ?? recipients.filter { $0 != dataset.owner }.randomElement(using: &random)!
            let id = "x-\(next)"
            let records = Int64.random(in: 1...5000, using: &random)
            let digest = HashAlgorithm.sha256.hash(Array(id.utf8)).hex
            var fields = Array(dataset.fields.prefix(Int.random(in: 1...dataset.fields.count, using: &random)))
            if Int.random(in: 0..<15, using: &random) == 0 { fields = (fields + ["zz"]).sorted() }  // P5
            unacknowledged.append((id, recipient, digest, records))
            delivered.append((recipient, dataset.id))
            return try sign(dataset.owner, .exchangeSent(ExchangeSentBody(
                exchange: id, dataset: dataset.id, recipient: recipient, grant: Int.random(in: 0..<3, using: &random) == 0 ? nil : grant?.id,
                purpose: ["supervision", "research"].randomElement(using: &random)!, fields: fields, records: records,
                bytes: records * Int64.random(in: 50...500, using: &random), digest: digest)))
        }
        if roll < 90, !unacknowledged.isEmpty {
            let sent = unacknowledged.remove(at: Int.random(in: 0..<unacknowledged.count, using: &random))
            let changed = Int.random(in: 0..<10, using: &random) == 0
            return try sign(sent.recipient, .exchangeReceived(ExchangeReceivedBody(
                exchange: sent.id, digest: changed ? HashAlgorithm.sha256.hash(Array("other".utf8)).hex : sent.digest,
                records: changed ? sent.records - 1 : sent.records)))
        }
        if roll < 94, let (reporter, dataset) = delivered.randomElement(using: &random) {
            return try sign(reporter, .qualityReported(QualityReportedBody(
                dataset: dataset, exchange: nil, dimension: QualityDimension.allCases.randomElement(using: &random)!,
                severity: Severity.allCases.randomElement(using: &random)!, note: "note \(next)")))
        }
        if roll < 97 {
            let dataset = datasets.randomElement(using: &random)!
            return try sign("audit.city", .auditFinding(AuditFindingBody(subject: dataset.id, finding: "finding \(next)", severity: .low)))
        }
        let party = providers.randomElement(using: &random)!
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        defer { keys[party] = key }
        return try sign(party, .partyKeyRotated(PartyKeyRotatedBody(key: key.publicKey)))
    }

    private func sign(_ author: String, _ body: EventBody) throws -> SignedEvent {
        next += 1
        let key = author == "ops.exchange" ? operatorKey : keys[author]!
        return try Participant(id: author, key: key, origin: origin).sign(body, id: "e-\(next)", at: clock.now)
    }
}

/// Ledger time for tests: moves only when told.
final class TestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var microseconds = try! Timestamp(parsing: "2026-11-23T08:00:00Z").microsecondsSinceEpoch

    var now: Timestamp { Timestamp(microsecondsSinceEpoch: lock.withLock { microseconds }) }

    func advance(microseconds step: Int64) { lock.withLock { microseconds += step } }

    var options: WriterOptions {
        var options = WriterOptions()
        options.clock = { [self] in lock.withLock { microseconds } }
        options.durability = .never
        return options
    }
}
