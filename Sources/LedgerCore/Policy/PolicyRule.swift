/// The policy rules of DESIGN §7. An exchange that breaks one is still recorded (the ledger
/// records what happened); the verifier and the projector report it as a ``PolicyFinding``.
public enum PolicyRule: Int, Sendable, CaseIterable, Comparable, CustomStringConvertible {
    /// P1: a dataset with `sharing: none` was exchanged.
    case notShared = 1
    /// P2: a `sharing: conditional` dataset was exchanged without a valid grant (issued by the
    /// owner to that recipient for that dataset, not revoked, in its validity window, for the
    /// same purpose, covering the fields sent).
    case noValidGrant = 2
    /// P3: `sharing: open` needs no grant. Never reported; listed so the numbering is complete.
    case openSharing = 3
    /// P4: `level: core` data went to a party that is not of kind `government` or `regulator`.
    case coreDataToNonGovernment = 4
    /// P5: fields were sent that the dataset does not have.
    case fieldsOutsideDataset = 5
    /// P6: the recipient's acknowledgement differs from what was sent (digest or record count).
    case receiptDiscrepancy = 6
    /// P7: the exchange was not acknowledged within the window (default 24 h of ledger time).
    case unacknowledged = 7

    /// "P1" … "P7".
    public var code: String { "P\(rawValue)" }

    /// A short title for reports.
    public var title: String {
        switch self {
        case .notShared: return "dataset not to be shared"
        case .noValidGrant: return "conditional dataset sent without a valid grant"
        case .openSharing: return "open dataset (no grant needed)"
        case .coreDataToNonGovernment: return "core data sent to a party that is not government or regulator"
        case .fieldsOutsideDataset: return "fields sent that the dataset does not have"
        case .receiptDiscrepancy: return "what was received differs from what was sent"
        case .unacknowledged: return "exchange not acknowledged in time"
        }
    }

    /// The code, e.g. "P2".
    public var description: String { code }

    /// Rules order by number.
    public static func < (a: PolicyRule, b: PolicyRule) -> Bool { a.rawValue < b.rawValue }
}
