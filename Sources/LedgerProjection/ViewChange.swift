import LedgerCore

/// One change to the views, as the projector derives it from one entry: the unit between the
/// pure fold (``ProjectionFold``) and the SQLite writer (``ViewWriter``).
enum ViewChange: Sendable {
    case partyRegistered(PartyRegisteredBody, seq: Int64, time: Timestamp)
    case keyRotated(party: String, key: String, keyID: String, seq: Int64)
    case partyStatus(party: String, status: String, reason: String, seq: Int64)
    case datasetCataloged(DatasetCatalogedBody, owner: String, seq: Int64, time: Timestamp)
    case datasetReclassified(DatasetReclassifiedBody, seq: Int64)
    case grantIssued(GrantIssuedBody, owner: String, seq: Int64, time: Timestamp)
    case grantRevoked(GrantRevokedBody, seq: Int64, time: Timestamp)
    /// An exchange as sent, with its verdict at that moment ("compliant" or "P2,P5").
    case exchangeSent(ExchangeSentBody, provider: String, eventID: String, seq: Int64, time: Timestamp, verdict: String)
    case exchangeReceived(ExchangeReceivedBody, seq: Int64, time: Timestamp)
    /// A policy finding: a row in `violations` and the rule added to its exchange's verdict.
    case violation(PolicyFinding)
    case quality(QualityReportedBody, reporter: String, seq: Int64, time: Timestamp)
    case auditFinding(AuditFindingBody, regulator: String, seq: Int64, time: Timestamp)
}
