import FlowLedger
import Foundation
import LedgerProjection
import LedgerReport
import LedgerTestSupport
import Testing

/// The README's Swift example of the report compiles, runs on the demo ledger, and is shown in
/// the README verbatim.
@Suite struct ReadmeReportExampleTests {
    @Test func theReadmeExampleWritesTheReportInChinese() throws {
        let demo = try DemoLedger()
        defer { demo.remove() }
        let directory = demo.directory
        // README report: begin
        let projector = try Projector(directory: directory)
        try projector.catchUp()
        let verification = try LedgerVerifier(directory: directory).run()
        var options = ReportOptions()
        options.language = .simplifiedChinese
        options.checkedAt = "2026-11-30T09:00:00Z"
        let page: [UInt8] = ReportBuilder(views: try ReportViews(reading: projector.views),
                                          verification: verification, options: options).html()
        // README report: end
        let text = String(decoding: page, as: UTF8.self)
        #expect(text.contains("数据交换监管报告") && text.contains("2026-11-30T09:00:00Z"))
        #expect(text.contains("data-verdict=\"violations\"") && text.contains("<tr data-violation-seq=\"31\""))
        #expect(try readmeShows(readmeBlock(named: "report", in: #filePath)))
    }
}
