import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// Each policy rule of DESIGN §7 produces exactly the expected violation rows, on the corpus
/// ledger that breaks each one (`Fixtures/ledgers/policy`, see CORPUS.md); a compliant ledger
/// produces none.
@Suite struct PolicyViolationTests {
    struct Row: Equatable, CustomStringConvertible {
        let rule: String, seq: Int64, exchange: String, relatedSeq: Int64?
        var description: String { "\(rule) seq \(seq) \(exchange) related \(relatedSeq.map(String.init) ?? "-")" }
    }

    /// The rows each rule must produce in `policy/`, in the order they were found.
    static let expected: [PolicyRule: [Row]] = [
        .notShared: [Row(rule: "P1", seq: 18, exchange: "x-p1", relatedSeq: nil)],
        .noValidGrant: [
            Row(rule: "P2", seq: 20, exchange: "x-p2-no-grant", relatedSeq: nil),
            Row(rule: "P2", seq: 22, exchange: "x-p2-revoked", relatedSeq: 14),
            Row(rule: "P2", seq: 24, exchange: "x-p2-expired", relatedSeq: 15),
            Row(rule: "P2", seq: 26, exchange: "x-p2-fields", relatedSeq: 12),
        ],
        .openSharing: [],  // P3: open data needs no grant (x-open, x-p5's dataset), never a violation
        .coreDataToNonGovernment: [Row(rule: "P4", seq: 28, exchange: "x-p4", relatedSeq: nil)],
        .fieldsOutsideDataset: [Row(rule: "P5", seq: 30, exchange: "x-p5", relatedSeq: nil)],
        .receiptDiscrepancy: [Row(rule: "P6", seq: 33, exchange: "x-p6", relatedSeq: 32)],
        .unacknowledged: [Row(rule: "P7", seq: 34, exchange: "x-p7", relatedSeq: nil)],
    ]

    static func violations(of name: String) throws -> (rows: [ViolationView], exchanges: [ExchangeView]) {
        let directory = try fixtureCopy(name)
        defer { removeCopy(directory) }
        let projector = try Projector(directory: directory)
        try projector.catchUp()
        return (try projector.views.violations(), try projector.views.exchanges())
    }

    @Test(arguments: PolicyRule.allCases)
    func eachRuleProducesExactlyItsViolationRows(rule: PolicyRule) throws {
        let rows = try Self.violations(of: "policy").rows.filter { $0.rule == rule.code }
        #expect(rows.map { Row(rule: $0.rule, seq: $0.seq, exchange: $0.exchange, relatedSeq: $0.relatedSeq) } == Self.expected[rule]!)
    }

    @Test func violationRowsCarryTheFindingsOfTheVerifier() throws {
        let (rows, exchanges) = try Self.violations(of: "policy")
        #expect(rows.map(\.rule) == ["P1", "P2", "P2", "P2", "P2", "P4", "P5", "P6", "P7"])
        #expect(rows.first { $0.exchange == "x-p2-revoked" }?.message == "grant \"g-revoked\" (seq 13) was revoked at seq 14, before this exchange")
        let verdicts = Dictionary(uniqueKeysWithValues: exchanges.map { ($0.exchange, $0.verdict) })
        #expect(verdicts["x-compliant"] == "compliant")
        #expect(verdicts["x-open"] == "compliant")
        #expect(verdicts["x-p6"] == "P6")
        #expect(verdicts["x-p7"] == "P7")
        let acks = Dictionary(uniqueKeysWithValues: exchanges.map { ($0.exchange, $0.ack) })
        #expect(acks["x-p6"] == "discrepancy")
        #expect(acks["x-p7"] == "overdue")
        #expect(acks["x-compliant"] == "acknowledged")
    }

    @Test func aCompliantLedgerProducesNoViolations() throws {
        let (rows, exchanges) = try Self.violations(of: "intact")
        #expect(rows.isEmpty)
        #expect(exchanges.count == 4)
        #expect(exchanges.allSatisfy { $0.verdict == "compliant" && $0.ack == "acknowledged" })
    }
}
