/// The event catalogue of DESIGN §6.
public enum EventType: String, Sendable, CaseIterable, Hashable {
    case ledgerGenesis = "ledger.genesis"
    case partyRegistered = "party.registered"
    case partyKeyRotated = "party.key-rotated"
    case partySuspended = "party.suspended"
    case partyReinstated = "party.reinstated"
    case datasetCataloged = "dataset.cataloged"
    case datasetReclassified = "dataset.reclassified"
    case grantIssued = "grant.issued"
    case grantRevoked = "grant.revoked"
    case exchangeSent = "exchange.sent"
    case exchangeReceived = "exchange.received"
    case qualityReported = "quality.reported"
    case auditFinding = "audit.finding"
}
