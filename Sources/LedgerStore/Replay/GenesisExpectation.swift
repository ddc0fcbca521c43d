import LedgerCore
import LedgerCrypto

/// What the genesis entry (seq 0) must say for the log to be the ledger the caller means: the
/// origin and suite of `ledger.json` and the operator key trusted (from `ledger.json`, or the
/// `--vkey` a regulator was given).
package struct GenesisExpectation: Sendable, Equatable {
    /// The operator's public key the genesis body must name.
    package let operatorKey: PublicKey
    /// The suite.
    package let suite: Suite
    /// The origin.
    package let origin: String

    /// The genesis of the ledger `manifest` describes, under `operatorKey` (default: the
    /// manifest's own).
    package init(_ manifest: LedgerManifest, operatorKey: PublicKey? = nil) {
        self.operatorKey = operatorKey ?? manifest.operatorKey
        suite = manifest.suite
        origin = manifest.origin
    }

    /// The first field of `body` that differs, in the order key, suite, origin; nil if none.
    package func mismatch(_ body: GenesisBody) -> GenesisMismatch? {
        if body.operator.key != operatorKey {
            return GenesisMismatch(field: "event.body.operator.key", expected: operatorKey.string, found: body.operator.key.string)
        }
        if body.suite != suite { return GenesisMismatch(field: "event.body.suite", expected: suite.rawValue, found: body.suite.rawValue) }
        if body.origin != origin { return GenesisMismatch(field: "event.body.origin", expected: origin, found: body.origin) }
        return nil
    }
}

/// A field of the genesis entry that says something else than ``GenesisExpectation``.
package struct GenesisMismatch: Sendable, Equatable {
    /// The field, e.g. `event.body.operator.key`.
    package let field: String
    /// What was expected (from `ledger.json` or the trusted key).
    package let expected: String
    /// What the genesis entry says.
    package let found: String
}
