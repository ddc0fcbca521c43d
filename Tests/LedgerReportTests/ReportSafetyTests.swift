import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// Text from the log cannot add markup or script to the report: every free-text field an author
/// controls (a party's name, a dataset's title, a purpose, a quality note, a finding) is escaped.
@Suite struct ReportSafetyTests {
    static let origin = "hostile.example/2026"
    static let note = "</td></tr></table><script>alert(1)</script>\"><img src=x onerror=alert(2)>'&"

    /// A ledger whose free text tries to break out of the page.
    static func hostileLedger(at directory: String) async throws {
        func key(_ name: String) throws -> PrivateKey { try PrivateKey.ed25519(seed: HashAlgorithm.sha256.hash(Array("report test \(name)".utf8)).bytes) }
        let operatorKey = try key("ops"), provider = try key("provider"), recipient = try key("recipient"), regulator = try key("regulator")
        let ledger = try Ledger.create(at: directory, origin: origin, operatorID: "ops", operatorKey: operatorKey,
                                       genesisTime: Timestamp(parsing: "2026-11-23T08:00:00Z"))
        func sign(_ id: String, _ party: String, _ signer: PrivateKey, _ body: EventBody) throws -> SignedEvent {
            try Participant(id: party, key: signer, origin: origin).sign(body, id: id, at: Timestamp(parsing: "2026-11-23T09:00:00Z"))
        }
        _ = try await ledger.append([
            try sign("r1", "ops", operatorKey, .partyRegistered(PartyRegisteredBody(
                party: "evil.example", name: "<b onmouseover=alert(3)>Evil</b>", kind: .enterprise, roles: [.provider], key: provider.publicKey))),
            try sign("r2", "ops", operatorKey, .partyRegistered(PartyRegisteredBody(
                party: "city.gov", name: "City \"office\"", kind: .government, roles: [.recipient], key: recipient.publicKey))),
            try sign("r3", "ops", operatorKey, .partyRegistered(PartyRegisteredBody(
                party: "audit.gov", name: "Auditor", kind: .regulator, roles: [.regulator], key: regulator.publicKey))),
            try sign("c1", "evil.example", provider, .datasetCataloged(DatasetCatalogedBody(
                dataset: "d1", title: "<svg onload=alert(4)>", sharing: .open, level: .general, fields: ["a"]))),
            try sign("x1", "evil.example", provider, .exchangeSent(ExchangeSentBody(
                exchange: "x1", dataset: "d1", recipient: "city.gov", grant: nil, purpose: "<style>body{display:none}</style>",
                fields: ["a"], records: 1, bytes: 1, digest: String(repeating: "ab", count: 32)))),
            try sign("q1", "city.gov", recipient, .qualityReported(QualityReportedBody(
                dataset: "d1", exchange: "x1", dimension: .accuracy, severity: .high, note: note))),
            try sign("f1", "audit.gov", regulator, .auditFinding(AuditFindingBody(
                subject: "x1", finding: "<iframe src=javascript:alert(5)></iframe>", severity: .low))),
        ])
        ledger.close()
    }

    @Test func freeTextFromTheLogIsEscaped() async throws {
        let root = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: root) }
        let directory = root.appendingPathComponent("ledger").path
        try await Self.hostileLedger(at: directory)
        let result = try flowledger(["report", directory, "--checked-at", "2026-11-30T09:00:00Z"])
        #expect(result.status == 0, "intact and compliant: x1 is still within its window \(result.err)")
        let page = result.out
        for markup in ["<script", "<img", "<iframe", "<svg onload", "<b onmouseover", "<style>body"] {
            #expect(!page.contains(markup), "\(markup) reached the page unescaped")
        }
        #expect(page.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;alert(1)&lt;/script&gt;&quot;&gt;&lt;img src=x onerror=alert(2)&gt;&#39;&amp;"))
        #expect(page.contains("&lt;svg onload=alert(4)&gt;"))
        #expect(page.contains("City &quot;office&quot;"))
        #expect(occurrences(of: "<script", in: page) == 0 && occurrences(of: "<style>", in: page) == 1, "only the page's own stylesheet")
    }
}
