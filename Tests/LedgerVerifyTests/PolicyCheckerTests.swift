import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// The P1–P7 fold on its own, on entries made in memory: the time rules (grant validity and
/// the acknowledgement window use ledger time), reclassification, and grants found without
/// being named. The whole catalogue of breaches is in Fixtures/ledgers/policy (TamperCorpusTests).
@Suite("Policy rules P1-P7 (PolicyChecker)")
struct PolicyCheckerTests {
    static let origin = "policy.unit.example/2026"
    let owner = try! PrivateKey.generate(suite: .ed25519SHA256)
    let recipient = try! PrivateKey.generate(suite: .ed25519SHA256)
    let start = try! Timestamp(parsing: "2026-11-23T08:00:00Z")

    /// Entries from (minutes after start, author key, author, body), numbered from 1.
    func entries(_ events: [(minutes: Int64, key: PrivateKey, author: String, body: EventBody)]) throws -> [Entry] {
        try events.enumerated().map { index, item in
            let time = Timestamp(microsecondsSinceEpoch: start.microsecondsSinceEpoch + item.minutes * 60_000_000)
            let signed = try Participant(id: item.author, key: item.key, origin: Self.origin).sign(item.body, id: "e-\(index)", at: time)
            return try Entry(seq: Int64(index + 1), time: time, prev: .zero, signed: signed)
        }
    }

    func register() -> [(minutes: Int64, key: PrivateKey, author: String, body: EventBody)] {
        [(0, owner, "ops", .partyRegistered(PartyRegisteredBody(party: "tax.sh", name: "Tax", kind: .government, roles: [.provider], key: owner.publicKey))),
         (0, owner, "ops", .partyRegistered(PartyRegisteredBody(party: "market.sh", name: "Market", kind: .government, roles: [.recipient], key: recipient.publicKey))),
         (0, owner, "tax.sh", .datasetCataloged(DatasetCatalogedBody(dataset: "register", title: "Register", sharing: .conditional, level: .important, fields: ["id", "name"])))]
    }

    func send(_ id: String, at minutes: Int64, grant: String? = nil, purpose: String = "supervision") -> (minutes: Int64, key: PrivateKey, author: String, body: EventBody) {
        (minutes, owner, "tax.sh", .exchangeSent(ExchangeSentBody(exchange: id, dataset: "register", recipient: "market.sh", grant: grant, purpose: purpose,
                                                                  fields: ["id"], records: 10, bytes: 100, digest: String(repeating: "a", count: 64))))
    }

    func acknowledge(_ id: String, at minutes: Int64) -> (minutes: Int64, key: PrivateKey, author: String, body: EventBody) {
        (minutes, recipient, "market.sh", .exchangeReceived(ExchangeReceivedBody(exchange: id, digest: String(repeating: "a", count: 64), records: 10)))
    }

    func grant(_ id: String, at minutes: Int64, until: String = "2027-01-01T00:00:00Z") throws -> (minutes: Int64, key: PrivateKey, author: String, body: EventBody) {
        (minutes, owner, "tax.sh", .grantIssued(try GrantIssuedBody(grant: id, dataset: "register", grantee: "market.sh", purpose: "supervision", fields: ["id", "name"],
                                                                   from: start, until: Timestamp(parsing: until), basis: "law")))
    }

    func findings(_ entries: [Entry], window: Int64 = PolicyChecker.defaultAcknowledgementWindow) -> [String] {
        var policy = PolicyChecker(acknowledgementWindow: window)
        return entries.flatMap { policy.apply($0) }.map { "\($0.rule.code) \($0.exchange) seq \($0.seq)" }
    }

    @Test
    func anAcknowledgementAfterTheWindowIsReportedOnceAsP7() throws {
        let log = try entries(register() + [try grant("g", at: 1), send("x", at: 2, grant: "g"), acknowledge("x", at: 2 + 25 * 60), send("y", at: 3000, grant: "g")])
        #expect(findings(log) == ["P7 x seq 5"])
    }

    @Test
    func anAcknowledgementInsideTheWindowIsNoFindingHoweverLateTheLogGoesOn() throws {
        let log = try entries(register() + [try grant("g", at: 1), send("x", at: 2, grant: "g"), acknowledge("x", at: 20 * 60), send("y", at: 50 * 60, grant: "g")])
        #expect(findings(log).isEmpty)  // y has no later entry to be overdue against
    }

    @Test
    func theWindowIsConfigurableInLedgerTime() throws {
        let log = try entries(register() + [try grant("g", at: 1), send("x", at: 2, grant: "g"), acknowledge("x", at: 30)])
        #expect(findings(log, window: 3_600_000_000).isEmpty)
        #expect(findings(log, window: 600_000_000) == ["P7 x seq 5"])
    }

    @Test
    func aGrantTheExchangeDoesNotNameStillCoversIt() throws {
        let log = try entries(register() + [try grant("g", at: 1), send("x", at: 2), acknowledge("x", at: 3), send("y", at: 4, purpose: "resale"), acknowledge("y", at: 5)])
        #expect(findings(log) == ["P2 y seq 7"])
    }

    @Test
    func aGrantIsJudgedAtTheExchangesLedgerTime() throws {
        let log = try entries(register() + [try grant("g", at: 1, until: "2026-11-23T09:00:00Z"), send("x", at: 30, grant: "g"), acknowledge("x", at: 31),
                                             send("y", at: 90, grant: "g"), acknowledge("y", at: 91)])
        #expect(findings(log) == ["P2 y seq 7"])
    }

    @Test
    func reclassificationChangesWhatLaterExchangesNeed() throws {
        let reclassify = { (sharing: SharingClass, minutes: Int64) in
            (minutes, self.owner, "tax.sh", EventBody.datasetReclassified(DatasetReclassifiedBody(dataset: "register", sharing: sharing, level: .important, reason: "review")))
        }
        let log = try entries(register() + [reclassify(.open, 1), send("x", at: 2), acknowledge("x", at: 3),
                                             reclassify(.none, 4), send("y", at: 5), acknowledge("y", at: 6)])
        #expect(findings(log) == ["P1 y seq 8"])
    }

    /// A checker put back item by item (``PolicyChecker/restoreParty(_:kind:)`` and siblings)
    /// from a state recounted here from the entries — anywhere in the policy fixture, whose log
    /// breaks every rule — goes on exactly as the uninterrupted fold: the same findings after.
    @Test func aRestoredCheckerGoesOnExactlyAsTheUninterruptedFold() throws {
        let log = Fixtures.url("ledgers/policy/log")
        var entries: [Entry] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: log.path).sorted() {
            for line in try Data(contentsOf: log.appendingPathComponent(file)).split(separator: UInt8(ascii: "\n")) {
                entries.append(try Entry(line: Array(line)))
            }
        }
        let window: Int64 = 3_600_000_000
        var whole = PolicyChecker(acknowledgementWindow: window)
        let expected = entries.map { whole.apply($0) }
        #expect(expected.joined().count >= 9)
        var restoredOpen = 0
        for cut in 0...entries.count {
            var restored = PolicyChecker(acknowledgementWindow: window)
            Self.restore(&restored, from: entries[..<cut], findings: expected[..<cut].joined())
            restoredOpen += restored.openExchanges
            #expect(entries[cut...].map { restored.apply($0) } == Array(expected[cut...]), "restored after \(cut) entries")
        }
        #expect(restoredOpen > 0, "some cuts must restore open exchanges")
    }

    /// Puts into `checker` the state `entries` leave, recounted from their events (and the P7
    /// findings among `findings`), in log order.
    static func restore(_ checker: inout PolicyChecker, from entries: ArraySlice<Entry>, findings: some Sequence<PolicyFinding>) {
        let overdue = Set(findings.filter { $0.rule == .unacknowledged }.map(\.exchange))
        let received = Set(entries.compactMap { if case .exchangeReceived(let body) = $0.event.body { body.exchange } else { nil } })
        var revoked: [String: Int64] = [:]
        var datasets: [String: (owner: String, body: DatasetCatalogedBody, sharing: SharingClass, level: SecurityLevel)] = [:]
        for entry in entries {
            switch entry.event.body {
            case .genesis(let body): checker.restoreParty(body.operator.party, kind: .organization)
            case .partyRegistered(let body): checker.restoreParty(body.party, kind: body.kind)
            case .datasetCataloged(let body): datasets[body.dataset] = (entry.event.author, body, body.sharing, body.level)
            case .datasetReclassified(let body):
                datasets[body.dataset]?.sharing = body.sharing
                datasets[body.dataset]?.level = body.level
            case .grantRevoked(let body): revoked[body.grant] = entry.seq
            default: break
            }
        }
        for (id, dataset) in datasets {
            checker.restoreDataset(id, owner: dataset.owner, sharing: dataset.sharing, level: dataset.level, fields: dataset.body.fields)
        }
        for entry in entries {
            switch entry.event.body {
            case .grantIssued(let body):
                checker.restoreGrant(body.grant, seq: entry.seq, dataset: body.dataset, grantee: body.grantee, purpose: body.purpose,
                                     fields: body.fields, from: body.from, until: body.until, revokedAt: revoked[body.grant])
            case .exchangeSent(let body) where !received.contains(body.exchange):
                checker.restoreOpenExchange(body.exchange, seq: entry.seq, eventID: entry.event.id, provider: entry.event.author,
                                            dataset: body.dataset, recipient: body.recipient, records: body.records, digest: try! Hash32(hex: body.digest),
                                            sentAt: entry.time.microsecondsSinceEpoch, reportedOverdue: overdue.contains(body.exchange))
            default: break
            }
        }
    }
}
