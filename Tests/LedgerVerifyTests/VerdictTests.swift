import LedgerVerify
import Testing

/// The exit codes of DESIGN §10 are a contract with regulators' scripts.
@Suite("Verdict exit codes (Verdict)")
struct VerdictTests {
    @Test
    func exitCodesAreTheOnesDesignFixes() {
        #expect(Verdict.intact.exitCode == 0)
        #expect(Verdict.integrityBroken.exitCode == 1)
        #expect(Verdict.cannotRun.exitCode == 2)
        #expect(Verdict.policyViolations.exitCode == 3)
    }
}
