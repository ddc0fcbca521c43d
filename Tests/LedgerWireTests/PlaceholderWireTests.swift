import Testing
@testable import LedgerWire

@Suite struct LedgerWirePlaceholder {
    @Test func moduleLoads() { #expect(Bool(true)) }
}
