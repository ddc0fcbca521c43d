import FlowLedger
import Foundation

/// The demo's story (README, `flowledger demo`): a city's data exchange for one week.
///
/// A city transport commission receives trip data from two ride-hailing platforms under grants;
/// a telecom operator shares aggregated mobility data with the health commission; the tax bureau
/// and the market-supervision bureau exchange registers; a regulator watches. Along the way one
/// platform's grant is revoked and it sends anyway, the telecom sends to a party it has no grant
/// for, one acknowledgement reports a different digest than was sent, the transport commission
/// reports a quality problem, one exchange is never acknowledged, and the regulator records a
/// finding. Keys are TEST-ONLY keys derived from the party names (``testOnlyKey(_:)``) and ledger
/// time is fixed (``DemoClock``), so every run writes the same ledger, byte for byte.
struct DemoScenario {
    static let origin = "exchange.city.example/2026"
    static let operatorID = "ops.exchange"

    let clock = DemoClock()
    let ledger: Ledger
    let operatorKey: PrivateKey
    private var keys: [String: PrivateKey] = [:]

    /// The parties: id, name, kind, roles.
    static let parties: [(String, String, PartyKind, [PartyRole])] = [
        ("ride-a.example", "Ride-hailing platform A", .enterprise, [.provider]),
        ("ride-b.example", "Ride-hailing platform B", .enterprise, [.provider]),
        ("transport.city", "City transport commission", .government, [.recipient]),
        ("telecom.example", "Telecom operator", .enterprise, [.provider]),
        ("health.city", "City health commission", .government, [.recipient]),
        ("tax.city", "City tax bureau", .government, [.provider, .recipient]),
        ("market.city", "Market supervision bureau", .government, [.provider, .recipient]),
        ("audit.city", "Data exchange regulator", .regulator, [.regulator]),
    ]

    /// Creates the ledger at `directory` (genesis only).
    init(directory: String) throws {
        operatorKey = try Self.testOnlyKey(Self.operatorID)
        ledger = try Ledger.create(at: directory, origin: Self.origin, operatorID: Self.operatorID,
                                   operatorName: "City data exchange operator", operatorKey: operatorKey,
                                   genesisTime: clock.now, options: clock.writerOptions)
        for (party, _, _, _) in Self.parties { keys[party] = try Self.testOnlyKey(party) }
    }

    /// The demo's key for `party`: Ed25519 from seed = SHA-256("flowledger demo TEST-ONLY key\n" ‖ party).
    /// Anyone can derive it, so anyone can sign as the demo's parties: it is for the demo alone
    /// (a real ledger's keys come from `flowledger keygen`).
    static func testOnlyKey(_ party: String) throws -> PrivateKey {
        try PrivateKey.ed25519(seed: HashAlgorithm.sha256.hash(Array("flowledger demo TEST-ONLY key\n\(party)".utf8)).bytes)
    }

    /// Appends the whole story.
    func run() async throws {
        for (party, name, kind, roles) in Self.parties {
            try await append(Self.operatorID, "reg-\(party)", .partyRegistered(PartyRegisteredBody(
                party: party, name: name, kind: kind, roles: roles, key: keys[party]!.publicKey)))
        }
        let trips = ["driver_id", "end", "fare", "start", "vehicle"]
        try await catalog("ride-a.example", "trips-a", "Trip records, platform A", .conditional, .important, trips)
        try await catalog("ride-b.example", "trips-b", "Trip records, platform B", .conditional, .important, trips)
        try await catalog("telecom.example", "mobility", "Aggregated mobility by cell and hour", .conditional, .general, ["cell", "count", "hour"])
        try await catalog("tax.city", "tax-register", "Taxpayer register", .conditional, .core, ["name", "tax_id", "turnover"])
        try await catalog("market.city", "business-register", "Business register", .open, .general, ["address", "legal_rep", "name", "reg_no"])

        try await grant("ride-a.example", "g-trips-a", "trips-a", to: "transport.city", "traffic supervision", ["end", "start", "vehicle"],
                        basis: "Municipal ride-hailing regulation art. 12")
        try await grant("ride-b.example", "g-trips-b", "trips-b", to: "transport.city", "traffic supervision", ["end", "start", "vehicle"],
                        basis: "Municipal ride-hailing regulation art. 12")
        try await grant("telecom.example", "g-mobility", "mobility", to: "health.city", "epidemic monitoring", ["cell", "count", "hour"],
                        basis: "Public health emergency act art. 31")
        try await grant("tax.city", "g-tax", "tax-register", to: "market.city", "business supervision", ["name", "tax_id"],
                        basis: "Inter-agency data sharing agreement 2026-07")

        // Monday to Wednesday: compliant exchanges, each acknowledged.
        try await send("ride-a.example", "x-trips-a-1", "trips-a", to: "transport.city", grant: "g-trips-a", "traffic supervision",
                       ["end", "start", "vehicle"], records: 12_400, bytes: 1_860_000)
        try await send("ride-b.example", "x-trips-b-1", "trips-b", to: "transport.city", grant: "g-trips-b", "traffic supervision",
                       ["end", "start", "vehicle"], records: 8_900, bytes: 1_335_000)
        try await send("telecom.example", "x-mobility-1", "mobility", to: "health.city", grant: "g-mobility", "epidemic monitoring",
                       ["cell", "count", "hour"], records: 52_000, bytes: 2_080_000)
        try await send("tax.city", "x-tax-1", "tax-register", to: "market.city", grant: "g-tax", "business supervision",
                       ["name", "tax_id"], records: 3_100, bytes: 248_000)
        try await send("market.city", "x-business-1", "business-register", to: "tax.city", grant: nil, "register reconciliation",
                       ["legal_rep", "name", "reg_no"], records: 4_700, bytes: 611_000)
        try await send("ride-a.example", "x-trips-a-2", "trips-a", to: "transport.city", grant: "g-trips-a", "traffic supervision",
                       ["end", "start", "vehicle"], records: 13_050, bytes: 1_957_500)

        // Thursday: platform B's grant is revoked, and it sends anyway (P2).
        clock.advance(minutes: 24 * 60)
        try await append("ride-b.example", "revoke-g-trips-b", .grantRevoked(GrantRevokedBody(
            grant: "g-trips-b", reason: "data processing agreement terminated by the commission")))
        try await send("ride-b.example", "x-trips-b-2", "trips-b", to: "transport.city", grant: "g-trips-b", "traffic supervision",
                       ["end", "start", "vehicle"], records: 9_200, bytes: 1_380_000)
        // The telecom sends mobility data to a party it holds no grant for (P2).
        try await send("telecom.example", "x-mobility-2", "mobility", to: "transport.city", grant: nil, "congestion study",
                       ["cell", "count", "hour"], records: 18_000, bytes: 720_000)
        // Platform A's third delivery arrives with a different digest than was sent (P6).
        try await send("ride-a.example", "x-trips-a-3", "trips-a", to: "transport.city", grant: "g-trips-a", "traffic supervision",
                       ["end", "start", "vehicle"], records: 12_800, bytes: 1_920_000,
                       received: (digest: digest("x-trips-a-3 as received, truncated"), records: 12_288))
        try await append("transport.city", "quality-trips-a-3", .qualityReported(QualityReportedBody(
            dataset: "trips-a", exchange: "x-trips-a-3", dimension: .completeness, severity: .medium,
            note: "512 trips missing; 4% of the rest lack end coordinates")))
        // The tax bureau's second delivery is never acknowledged (P7 after 24 h).
        try await send("tax.city", "x-tax-2", "tax-register", to: "market.city", grant: "g-tax", "business supervision",
                       ["name", "tax_id"], records: 3_150, bytes: 252_000, received: nil)

        // Friday: the regulator records a finding.
        clock.advance(minutes: 26 * 60)
        try await append("audit.city", "finding-trips-b-2", .auditFinding(AuditFindingBody(
            subject: "x-trips-b-2", finding: "Trip data sent after the grant was revoked; platform B asked to delete the copy",
            severity: .high)))
        try ledger.checkpoint(operatorKey: operatorKey)
    }

    // MARK: - Steps

    private func append(_ author: String, _ id: String, _ body: EventBody) async throws {
        clock.advance(minutes: 7)
        let key = author == Self.operatorID ? operatorKey : keys[author]!
        _ = try await ledger.append(Participant(id: author, key: key, origin: Self.origin).sign(body, id: id, at: clock.now))
    }

    private func catalog(_ owner: String, _ dataset: String, _ title: String, _ sharing: SharingClass, _ level: SecurityLevel,
                         _ fields: [String]) async throws {
        try await append(owner, "cat-\(dataset)", .datasetCataloged(DatasetCatalogedBody(
            dataset: dataset, title: title, sharing: sharing, level: level, fields: fields)))
    }

    private func grant(_ owner: String, _ id: String, _ dataset: String, to grantee: String, _ purpose: String, _ fields: [String],
                       basis: String) async throws {
        try await append(owner, id, .grantIssued(GrantIssuedBody(
            grant: id, dataset: dataset, grantee: grantee, purpose: purpose, fields: fields,
            from: Timestamp(parsing: "2026-11-01T00:00:00Z"), until: Timestamp(parsing: "2027-10-31T23:59:59Z"), basis: basis)))
    }

    /// Sends an exchange and has the recipient acknowledge it (as sent unless `received` says
    /// otherwise; not at all when `received` is nil).
    private func send(_ provider: String, _ id: String, _ dataset: String, to recipient: String, grant: String?, _ purpose: String,
                      _ fields: [String], records: Int64, bytes: Int64,
                      received: (digest: String, records: Int64)?? = .some(nil)) async throws {
        let sent = digest(id)
        try await append(provider, id, .exchangeSent(ExchangeSentBody(
            exchange: id, dataset: dataset, recipient: recipient, grant: grant, purpose: purpose, fields: fields,
            records: records, bytes: bytes, digest: sent)))
        guard case .some(let changed) = received else { return }
        try await append(recipient, "ack-\(id)", .exchangeReceived(ExchangeReceivedBody(
            exchange: id, digest: changed?.digest ?? sent, records: changed?.records ?? records)))
    }

    /// The commitment to an imaginary payload (the payload never enters the ledger).
    private func digest(_ payload: String) -> String { HashAlgorithm.sha256.hash(Array("payload of \(payload)".utf8)).hex }
}
