import Foundation
import LedgerTestSupport

extension Scenario {
    /// Writes the operator's key (mode 0600) beside the scenario and creates the scenario's ledger
    /// in the PostgreSQL store `url` with `flowledger init --store`; returns the key file's path.
    func initStore(_ url: String) async throws -> String {
        let keyPath = workDirectory + "/operator.pem"
        try operatorKey.pemRepresentation().write(toFile: keyPath, atomically: true, encoding: .utf8)
        chmod(keyPath, 0o600)
        let created = try await flowledgerAsync(["init", "--store", url, "--origin", origin, "--operator-key", keyPath, "--operator-id", "ops.exchange"])
        guard created.status == 0 else { throw StoreInitFailure(description: "flowledger init --store \(url): \(created.err)") }
        return keyPath
    }
}

/// `flowledger init --store` failed in a test's set-up.
struct StoreInitFailure: Error, CustomStringConvertible {
    let description: String
}
