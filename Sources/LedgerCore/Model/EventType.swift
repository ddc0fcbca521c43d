/// The event catalogue of DESIGN §6.
public enum EventType: String, Sendable, CaseIterable, Hashable {
    /// `ledger.genesis`.
    case ledgerGenesis = "ledger.genesis"
    /// `party.registered`.
    case partyRegistered = "party.registered"
    /// `party.key-rotated`.
    case partyKeyRotated = "party.key-rotated"
    /// `party.suspended`.
    case partySuspended = "party.suspended"
    /// `party.reinstated`.
    case partyReinstated = "party.reinstated"
    /// `dataset.cataloged`.
    case datasetCataloged = "dataset.cataloged"
    /// `dataset.reclassified`.
    case datasetReclassified = "dataset.reclassified"
    /// `grant.issued`.
    case grantIssued = "grant.issued"
    /// `grant.revoked`.
    case grantRevoked = "grant.revoked"
    /// `exchange.sent`.
    case exchangeSent = "exchange.sent"
    /// `exchange.received`.
    case exchangeReceived = "exchange.received"
    /// `quality.reported`.
    case qualityReported = "quality.reported"
    /// `audit.finding`.
    case auditFinding = "audit.finding"
}
