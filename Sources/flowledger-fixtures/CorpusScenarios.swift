import FlowLedger
import Foundation

/// The ledgers of the verifier's corpus, built through the participants' library with the
/// TEST-ONLY keys and a fixed clock (one minute per entry from 2026-11-23T08:00:00Z).
struct CorpusScenarios {
    let cast: FixtureCast

    static let intactOrigin = "exchange.fixtures.example/2026"
    static let policyOrigin = "policy.fixtures.example/2026"

    /// Appends events one at a time, each a minute after the last, signing each at ledger time.
    final class Writer {
        let ledger: Ledger
        let clock: FixedClock
        let origin: String
        let cast: FixtureCast
        private let operatorKey: PrivateKey

        init(directory: String, origin: String, cast: FixtureCast, segmentLimit: Int64) throws {
            clock = FixedClock(start: "2026-11-23T08:00:00Z")
            self.origin = origin
            self.cast = cast
            operatorKey = cast.key("operator")
            ledger = try Ledger.create(at: directory, origin: origin, operatorID: "ops.exchange", operatorName: "Data exchange operator",
                                       operatorKey: operatorKey, genesisTime: clock.now, options: clock.writerOptions(segmentLimit: segmentLimit))
        }

        /// Signs `body` as `party` with the key named `keyName` and appends it.
        func append(_ party: String, _ keyName: String, _ id: String, _ body: EventBody) async throws {
            clock.advance(seconds: 60)
            let signed = try cast.participant(party, key: keyName, origin: origin).sign(body, id: id, at: clock.now)
            _ = try await ledger.append(signed)
        }

        /// Registers a party (by the operator).
        func register(_ party: String, _ name: String, _ kind: PartyKind, _ roles: [PartyRole], key keyName: String) async throws {
            try await append("ops.exchange", "operator", "reg-\(party)", .partyRegistered(PartyRegisteredBody(
                party: party, name: name, kind: kind, roles: roles, key: cast.key(keyName).publicKey)))
        }

        /// Publishes a checkpoint of the current size, signed by the operator.
        func checkpoint() throws { _ = try ledger.checkpoint(operatorKey: operatorKey) }

        /// The digest of an imaginary payload.
        func digest(_ payload: String) -> String { HashAlgorithm.sha256.hash(Array(payload.utf8)).hex }

        /// Closes the ledger and removes the writer's own files, its lock and its state snapshot
        /// (not part of a fixture: a tampered copy must not carry the intact ledger's snapshot).
        func finish() throws {
            ledger.close()
            guard let layout = ledger.writer.layout else { return }
            for path in [layout.lock, layout.writerState] { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    static let validFrom = try! Timestamp(parsing: "2026-11-23T00:00:00Z")
    static let validUntil = try! Timestamp(parsing: "2027-11-23T00:00:00Z")

    /// 20 entries over 4 KiB segments, checkpoints at 13 and 20, intact and compliant: two
    /// providers, two recipients, a regulator, a conditional dataset under a grant, an open
    /// dataset, acknowledgements, a quality report, an audit finding and a key rotation.
    func intact(at directory: String) async throws {
        let w = try Writer(directory: directory, origin: Self.intactOrigin, cast: cast, segmentLimit: 4096)
        try await w.register("ride-a.example", "Ride platform A", .enterprise, [.provider], key: "ride-a")          // 1
        try await w.register("transport.sh", "City transport commission", .government, [.recipient], key: "transport")  // 2
        try await w.register("audit.sh", "Data exchange regulator", .regulator, [.regulator], key: "regulator")      // 3
        try await w.register("telecom.example", "Telecom operator", .enterprise, [.provider], key: "telecom")        // 4
        try await w.register("health.sh", "Health commission", .government, [.recipient], key: "health")            // 5
        try await w.append("ride-a.example", "ride-a", "cat-trips", .datasetCataloged(DatasetCatalogedBody(
            dataset: "trips", title: "Trip records", sharing: .conditional, level: .important, fields: ["driver", "end", "fare", "start"])))  // 6
        try await w.append("telecom.example", "telecom", "cat-mobility", .datasetCataloged(DatasetCatalogedBody(
            dataset: "mobility", title: "Aggregated mobility", sharing: .open, level: .general, fields: ["cell", "count", "hour"])))  // 7
        try await w.append("ride-a.example", "ride-a", "grant-trips-1", .grantIssued(try GrantIssuedBody(
            grant: "g-trips-1", dataset: "trips", grantee: "transport.sh", purpose: "supervision", fields: ["end", "start"],
            from: Self.validFrom, until: Self.validUntil, basis: "Municipal transport regulation art. 12")))  // 8
        try await sendAndAcknowledge(w, "x-1", records: 1200)  // 9, 10
        try await w.append("telecom.example", "telecom", "x-2", .exchangeSent(ExchangeSentBody(
            exchange: "x-2", dataset: "mobility", recipient: "health.sh", grant: nil, purpose: "epidemic monitoring",
            fields: ["cell", "count", "hour"], records: 5000, bytes: 90_000, digest: w.digest("mobility week 47"))))  // 11
        try await w.append("health.sh", "health", "ack-x-2", .exchangeReceived(ExchangeReceivedBody(
            exchange: "x-2", digest: w.digest("mobility week 47"), records: 5000)))  // 12
        try w.checkpoint()  // size 13
        try await sendAndAcknowledge(w, "x-3", records: 1350)  // 13, 14
        try await w.append("health.sh", "health", "quality-1", .qualityReported(QualityReportedBody(
            dataset: "mobility", exchange: "x-2", dimension: .timeliness, severity: .low, note: "delivered 2 h after the agreed time")))  // 15
        try await w.append("audit.sh", "regulator", "finding-1", .auditFinding(AuditFindingBody(
            subject: "x-1", finding: "exchange matches the grant and was acknowledged", severity: .low)))  // 16
        try await w.append("ride-a.example", "ride-a", "rotate-1", .partyKeyRotated(PartyKeyRotatedBody(key: cast.key("ride-a-rotated").publicKey)))  // 17
        try await sendAndAcknowledge(w, "x-4", records: 980, key: "ride-a-rotated")  // 18, 19
        try w.checkpoint()  // size 20
        try w.finish()
    }

    private func sendAndAcknowledge(_ w: Writer, _ id: String, records: Int64, key: String = "ride-a") async throws {
        let digest = w.digest("trips \(id)")
        try await w.append("ride-a.example", key, id, .exchangeSent(ExchangeSentBody(
            exchange: id, dataset: "trips", recipient: "transport.sh", grant: "g-trips-1", purpose: "supervision",
            fields: ["end", "start"], records: records, bytes: records * 400, digest: digest)))
        try await w.append("transport.sh", "transport", "ack-\(id)", .exchangeReceived(ExchangeReceivedBody(
            exchange: id, digest: digest, records: records)))
    }

    /// An intact ledger whose exchanges break each policy rule once or more: P1 once, P2 four
    /// ways (no fitting grant, revoked, expired, fields not granted), P4, P5, P6 and P7 once each.
    func policy(at directory: String) async throws {
        let w = try Writer(directory: directory, origin: Self.policyOrigin, cast: cast, segmentLimit: 64 << 20)
        try await w.register("ride-a.example", "Ride platform A", .enterprise, [.provider], key: "ride-a")
        try await w.register("ride-b.example", "Ride platform B", .enterprise, [.provider, .recipient], key: "ride-b")
        try await w.register("transport.sh", "City transport commission", .government, [.recipient], key: "transport")
        try await w.register("telecom.example", "Telecom operator", .enterprise, [.provider], key: "telecom")
        try await w.register("health.sh", "Health commission", .government, [.recipient], key: "health")
        try await w.register("tax.sh", "Tax bureau", .government, [.provider, .recipient], key: "tax")
        try await w.register("market.sh", "Market supervision bureau", .government, [.provider, .recipient], key: "market")
        func catalog(_ party: String, _ key: String, _ dataset: String, _ sharing: SharingClass, _ level: SecurityLevel, _ fields: [String]) async throws {
            try await w.append(party, key, "cat-\(dataset)", .datasetCataloged(DatasetCatalogedBody(
                dataset: dataset, title: dataset, sharing: sharing, level: level, fields: fields)))
        }
        try await catalog("ride-a.example", "ride-a", "trips", .conditional, .important, ["driver", "end", "fare", "start"])
        try await catalog("tax.sh", "tax", "taxpayer-secrets", .none, .important, ["id", "income"])
        try await catalog("tax.sh", "tax", "enterprise-register", .open, .core, ["id", "name", "revenue"])
        try await catalog("telecom.example", "telecom", "mobility", .open, .general, ["cell", "count", "hour"])
        func grant(_ id: String, until: Timestamp = Self.validUntil) async throws {
            try await w.append("ride-a.example", "ride-a", id, .grantIssued(try GrantIssuedBody(
                grant: id, dataset: "trips", grantee: "transport.sh", purpose: "supervision", fields: ["end", "start"],
                from: Self.validFrom, until: until, basis: "Municipal transport regulation art. 12")))
        }
        try await grant("g-1")
        try await grant("g-revoked")
        try await w.append("ride-a.example", "ride-a", "revoke-g-revoked", .grantRevoked(GrantRevokedBody(grant: "g-revoked", reason: "contract ended")))
        try await grant("g-expired", until: try Timestamp(parsing: "2026-11-23T08:30:00Z"))
        let keyNames = ["transport.sh": "transport", "market.sh": "market", "ride-b.example": "ride-b", "health.sh": "health"]
        func send(_ party: String, _ key: String, _ id: String, _ dataset: String, to recipient: String, grant: String?,
                  purpose: String = "supervision", fields: [String], acknowledge: (String, Int64)? = ("", 0)) async throws {
            let digest = w.digest("\(dataset) \(id)")
            try await w.append(party, key, id, .exchangeSent(ExchangeSentBody(
                exchange: id, dataset: dataset, recipient: recipient, grant: grant, purpose: purpose,
                fields: fields, records: 100, bytes: 4000, digest: digest)))
            guard let (receivedDigest, receivedRecords) = acknowledge else { return }
            try await w.append(recipient, keyNames[recipient]!, "ack-\(id)", .exchangeReceived(ExchangeReceivedBody(
                exchange: id, digest: receivedDigest.isEmpty ? digest : receivedDigest, records: receivedRecords == 0 ? 100 : receivedRecords)))
        }
        try await send("ride-a.example", "ride-a", "x-compliant", "trips", to: "transport.sh", grant: "g-1", fields: ["end", "start"])
        try await send("tax.sh", "tax", "x-p1", "taxpayer-secrets", to: "market.sh", grant: nil, fields: ["id", "income"])
        try await send("ride-a.example", "ride-a", "x-p2-no-grant", "trips", to: "transport.sh", grant: nil, purpose: "marketing", fields: ["end", "start"])
        try await send("ride-a.example", "ride-a", "x-p2-revoked", "trips", to: "transport.sh", grant: "g-revoked", fields: ["end", "start"])
        w.clock.advance(seconds: 3600)  // g-expired ended at 08:30
        try await send("ride-a.example", "ride-a", "x-p2-expired", "trips", to: "transport.sh", grant: "g-expired", fields: ["end", "start"])
        try await send("ride-a.example", "ride-a", "x-p2-fields", "trips", to: "transport.sh", grant: "g-1", fields: ["driver", "end"])
        try await send("tax.sh", "tax", "x-p4", "enterprise-register", to: "ride-b.example", grant: nil, fields: ["id", "name"])
        try await send("telecom.example", "telecom", "x-p5", "mobility", to: "health.sh", grant: nil, fields: ["cell", "imsi"])
        try await send("ride-a.example", "ride-a", "x-p6", "trips", to: "transport.sh", grant: "g-1", fields: ["end", "start"],
                       acknowledge: (w.digest("something else"), 90))
        try await send("telecom.example", "telecom", "x-p7", "mobility", to: "health.sh", grant: nil, fields: ["cell", "count"], acknowledge: nil)
        w.clock.advance(seconds: 25 * 3600)
        try await send("tax.sh", "tax", "x-open", "enterprise-register", to: "market.sh", grant: nil, fields: ["id", "name"])
        try w.checkpoint()
        try w.finish()
    }
}
