import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// The views program shown in README.md ("From Swift, without SQL"), compiled and run on the
/// policy fixture, so the README cannot drift from the API.
@Suite("README views program (ReadmeViewsExample)")
struct ReadmeViewsExampleTests {
    /// What the program printed, line by line (its `print` is this test's).
    final class Printed: @unchecked Sendable {
        private let lock = NSLock()
        private var lines: [String] = []
        func append(_ line: String) { lock.withLock { lines.append(line) } }
        var all: [String] { lock.withLock { lines } }
    }

    let printed = Printed()

    func print(_ items: Any...) { printed.append(items.map { "\($0)" }.joined(separator: " ")) }

    func regulatorProgram(directory: String) async throws {
        // README views: begin
        let projector = try Projector(directory: directory)      // <dir>/views.sqlite
        try projector.catchUp()                                   // .notes says why a file was rebuilt
        for flow in try projector.views.flows() { print(flow.provider, "→", flow.recipient, flow.dataset, flow.records) }
        for try await update in projector.updates() {             // follows the log as it grows
            for violation in update.violations { print(violation.rule, violation.exchange, violation.message) }
            for exchange in update.changes.exchanges { print(exchange.exchange, exchange.ack, exchange.verdict) }
        }
        // README views: end
    }

    @Test func readmeViewsProgramPrintsFlowsThenViolations() async throws {
        let directory = try fixtureCopy("policy")
        defer { removeCopy(directory) }
        let program = Task { try await regulatorProgram(directory: directory) }
        // 5 flows, then the 9 violations of the first update; then it waits for the log to grow.
        // Generous: in the full suite, tests that wait on child processes (chromium, serve,
        // flowledger) can hold the two cooperative threads of a 2-core machine for tens of seconds.
        try await waitUntil("the program prints the flows and the violations", seconds: 120) { printed.all.count >= 14 }
        program.cancel()
        _ = try? await program.value
        let lines = printed.all
        let views = try Projector(directory: directory).views
        let expected = try views.flows().map { "\($0.provider) → \($0.recipient) \($0.dataset) \($0.records)" }
            + views.violations().map { "\($0.rule) \($0.exchange) \($0.message)" }
        #expect(expected.count == 14)
        #expect(lines == expected)
    }

    @Test func readmeShowsTheViewsProgramVerbatim() throws {
        #expect(try readmeShows(readmeBlock(named: "views", in: #filePath)))
    }
}
