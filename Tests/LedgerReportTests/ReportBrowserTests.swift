import Foundation
import LedgerProjection
import LedgerTestSupport
import Testing

/// The demo's report opened in a real browser (Debian's `chromium`, headless, network off: every
/// request would go to a closed proxy port and every name fails to resolve): it renders, and the
/// DOM the browser built holds one edge per row of the `flows` view and one row per violation.
/// A change to the report is looked at, not only parsed. scripts/install-deps.sh installs chromium.
@Suite struct ReportBrowserTests {
    static let chromium = "/usr/bin/chromium"

    /// Runs headless chromium on `url` with a screenshot to `png` and the DOM on stdout, killed
    /// after 90 s.
    static func render(_ url: String, png: String, profile: String) throws -> (status: Int32, dom: String, err: String) {
        let result = try run(["timeout", "90", chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                              "--user-data-dir=\(profile)", "--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND",
                              "--no-first-run", "--disable-extensions", "--window-size=1280,2000",
                              "--screenshot=\(png)", "--dump-dom", url])
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }

    /// A PNG's width and height from its IHDR chunk, or nil if `bytes` is not a PNG.
    static func pngSize(_ bytes: [UInt8]) -> (width: Int, height: Int)? {
        guard bytes.count > 24, bytes.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
              bytes[12..<16].elementsEqual(Array("IHDR".utf8)) else { return nil }
        func int(_ at: Int) -> Int { bytes[at..<at + 4].reduce(0) { $0 << 8 | Int($1) } }
        return (int(16), int(20))
    }

    @Test func theDemoReportRendersInChromiumWithEveryFlowAndViolation() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.chromium), "chromium is missing: run scripts/install-deps.sh (it installs Debian's chromium)")
        let demo = try DemoLedger()
        defer { demo.remove() }
        let page = demo.root.appendingPathComponent("report.html").path
        let written = try demo.report(["--out", page])
        #expect(written.status == 3, "\(written.err)")

        let shot = demo.root.appendingPathComponent("report.png").path
        let rendered = try Self.render("file://" + page, png: shot, profile: demo.root.appendingPathComponent("profile").path)
        #expect(rendered.status == 0, "chromium failed (exit \(rendered.status)): \(rendered.err.suffix(2000))")
        // The baseline: an empty page rendered by the same browser at the same size. A PNG of a
        // blank page compresses to a few KiB; the report's, full of text and lines, is many times larger.
        let blank = demo.root.appendingPathComponent("blank.png").path
        _ = try Self.render("data:text/html,<html><body></body></html>", png: blank, profile: demo.root.appendingPathComponent("profile-blank").path)
        let image = try [UInt8](Data(contentsOf: URL(fileURLWithPath: shot)))
        let empty = try [UInt8](Data(contentsOf: URL(fileURLWithPath: blank)))
        let size = try #require(Self.pngSize(image), "the screenshot is not a PNG")
        #expect(size.width == 1280 && size.height == 2000)
        #expect(Self.pngSize(empty) != nil)
        #expect(image.count > 10 * empty.count, "the report's screenshot (\(image.count) bytes) is not much larger than a blank page's (\(empty.count) bytes): it did not render")

        let projector = try Projector(directory: demo.directory)
        try projector.catchUp()
        let flows = try projector.views.flows(), violations = try projector.views.violations()
        let dom = rendered.dom
        #expect(dom.contains("</svg>") && dom.contains("Data exchange report"))
        #expect(occurrences(of: "<g class=\"edge", in: dom) == flows.count)
        #expect(occurrences(of: "data-flow=\"", in: dom) == flows.count)
        for flow in flows { #expect(dom.contains("data-flow=\"\(flow.provider) \(flow.recipient) \(flow.dataset)\"")) }
        #expect(occurrences(of: "<tr data-violation-seq=\"", in: dom) == violations.count)
        for violation in violations { #expect(dom.contains("<tr data-violation-seq=\"\(violation.seq)\"")) }
    }
}
