import Testing
@testable import LedgerReport

@Suite struct LedgerReportPlaceholder {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
