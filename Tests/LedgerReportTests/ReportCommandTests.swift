import FlowLedger
import Foundation
import LedgerCore
import LedgerProjection
import LedgerTestSupport
import Testing
@testable import LedgerReport

/// `flowledger report` on the demo ledger as a regulator runs it: one self-contained page, the
/// same bytes for the same ledger and check time, every flow and violation present, in English
/// and Simplified Chinese.
@Suite struct ReportCommandTests {
    @Test func theSameLedgerGivesTheSameFileByteForByte() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let file = demo.root.appendingPathComponent("report.html").path
        let written = try demo.report(["--out", file])
        #expect(written.status == 3, "the demo's ledger is intact with policy violations: exit 3 as verify")
        #expect(written.out == "")
        #expect(written.err == "flowledger: report of 40 entries written to \(file) (\(try Data(contentsOf: URL(fileURLWithPath: file)).count) bytes); verdict: violations\n")
        let again = try demo.report()
        #expect(again.status == 3)
        #expect(again.out == (try contents(file)), "stdout holds the same bytes as --out")
        let other = try DemoLedger()
        defer { other.remove() }
        #expect(try other.report().out == again.out, "a second demo ledger, identical on disk, gives the same page")
    }

    @Test func thePageHoldsEveryFlowAndViolationWithItsSeq() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let page = try demo.report().out
        let projector = try Projector(directory: demo.directory)
        try projector.catchUp()
        let flows = try projector.views.flows()
        let violations = try projector.views.violations()
        #expect(flows.count == 6 && violations.count == 4)
        #expect(occurrences(of: "data-flow=\"", in: page) == flows.count)
        for flow in flows { #expect(page.contains("data-flow=\"\(flow.provider) \(flow.recipient) \(flow.dataset)\"")) }
        #expect(occurrences(of: "data-violation-seq=\"", in: page) == violations.count)
        for violation in violations {
            #expect(page.contains("<tr data-violation-seq=\"\(violation.seq)\" data-rule=\"\(violation.rule)\""))
            #expect(page.contains("href=\"#\(HTMLWriter.anchor(exchange: violation.exchange))\""), "the violation's edge links to its row")
            #expect(page.contains("id=\"\(HTMLWriter.anchor(exchange: violation.exchange))\""))
        }
        for grant in try projector.views.grants() { #expect(page.contains("<tr data-grant-seq=\"\(grant.issuedSeq)\">")) }
        #expect(page.contains("data-verdict=\"violations\""))
        #expect(page.contains("exchange.city.example/2026"))
        #expect(page.contains("2026-11-30T09:00:00Z"))
    }

    @Test func thePageMakesNoRequest() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let page = try demo.report().out
        // The only URL is SVG's namespace name, which is never fetched.
        let rest = page.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!rest.contains("http://") && !rest.contains("https://") && !rest.contains("//"))
        for needle in ["<script", "<link", "<img", "<iframe", "src=", "@import", "@font-face"] {
            #expect(!page.contains(needle), "\(needle)")
        }
        #expect(occurrences(of: "url(", in: page) == occurrences(of: "url(#", in: page), "only references inside the page")
        #expect(page.contains("Content-Security-Policy\" content=\"default-src 'none'"))
    }

    @Test func simplifiedChineseTranslatesLabelsButNotIdsOrData() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let page = try demo.report(["--lang", "zh-CN"]).out
        for phrase in ["<html lang=\"zh-CN\">", "数据交换监管报告", "完整，但存在违规", "有条件共享的数据无有效授权即被提供", "交换未在时限内确认接收",
                       "接收确认", "有条件共享", "重要数据", "已撤销", "逾期未确认"] {
            #expect(page.contains(phrase), "\(phrase)")
        }
        for data in ["x-trips-b-2", "ride-b.example", "Ride-hailing platform B", "512 trips missing; 4% of the rest lack end coordinates"] {
            #expect(page.contains(data), "\(data)")
        }
        #expect(!page.contains("Policy violations"))
    }

    @Test func aCheckpointVerifiedBeforeIsNamedOnThePage() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let page = try demo.report(["--from-checkpoint", demo.directory + "/checkpoints/40.checkpoint"])
        let verify = try flowledger(["verify", demo.directory, "--from-checkpoint", demo.directory + "/checkpoints/40.checkpoint"])
        #expect(page.status == verify.status, "exits as verify does: \(page.err)")
        #expect(page.out.contains("40 first entries checked only against the root of a checkpoint verified before (--from-checkpoint)"))
        #expect(!(try demo.report().out).contains("--from-checkpoint"))
    }

    @Test func anUnknownLanguageOrTimeIsAUsageError() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let language = try flowledger(["report", demo.directory, "--lang", "fr"])
        #expect(language.status == 2)
        #expect(language.err == "flowledger: error: --lang: \"fr\" is not a report language; use en or zh-CN\n")
        let time = try flowledger(["report", demo.directory, "--checked-at", "yesterday"])
        #expect(time.status == 2)
        #expect(time.err == "flowledger: error: --checked-at: \"yesterday\" is not an RFC 3339 UTC time; write it as 2026-11-30T09:00:00Z\n")
        let nowhere = try flowledger(["report", demo.directory + "-nowhere"])
        #expect(nowhere.status == 2 && nowhere.out.isEmpty)
    }

    @Test func beyondItsLimitsTheGraphCountsWhatItDoesNotDraw() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let projector = try Projector(directory: demo.directory)
        try projector.catchUp()
        let views = try ReportViews(reading: projector.views)
        let verification = try LedgerVerifier(directory: demo.directory).run()
        var options = ReportOptions()
        options.maxGraphOrganisations = 5
        options.maxGraphFlows = 2
        options.maxTableRows = 1
        let page = String(decoding: ReportBuilder(views: views, verification: verification, options: options).html(), as: UTF8.self)
        let drawn = occurrences(of: "data-flow=\"", in: page)
        #expect(drawn <= 2 && drawn > 0)
        let counted = page.components(separatedBy: "data-flows=\"").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(drawn + counted.reduce(0, +) == views.flows.count, "every flow is drawn or counted")
        #expect(page.contains("Other organisations"))
        #expect(page.contains("more not shown; the full list: flowledger views DIR grants"))
        #expect(occurrences(of: "data-violation-seq=\"", in: page) == 3, "one row per rule, the rest counted")
    }
}
