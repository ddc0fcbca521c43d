/// The typed body of an event: one case per type of DESIGN §6.
public enum EventBody: Hashable, Sendable {
    /// The body of a `ledger.genesis` event.
    case genesis(GenesisBody)
    /// The body of a `party.registered` event.
    case partyRegistered(PartyRegisteredBody)
    /// The body of a `party.key-rotated` event.
    case partyKeyRotated(PartyKeyRotatedBody)
    /// The body of a `party.suspended` event.
    case partySuspended(PartyStatusBody)
    /// The body of a `party.reinstated` event.
    case partyReinstated(PartyStatusBody)
    /// The body of a `dataset.cataloged` event.
    case datasetCataloged(DatasetCatalogedBody)
    /// The body of a `dataset.reclassified` event.
    case datasetReclassified(DatasetReclassifiedBody)
    /// The body of a `grant.issued` event.
    case grantIssued(GrantIssuedBody)
    /// The body of a `grant.revoked` event.
    case grantRevoked(GrantRevokedBody)
    /// The body of a `exchange.sent` event.
    case exchangeSent(ExchangeSentBody)
    /// The body of a `exchange.received` event.
    case exchangeReceived(ExchangeReceivedBody)
    /// The body of a `quality.reported` event.
    case qualityReported(QualityReportedBody)
    /// The body of a `audit.finding` event.
    case auditFinding(AuditFindingBody)

    /// The event type this body belongs to.
    public var type: EventType {
        switch self {
        case .genesis: return .ledgerGenesis
        case .partyRegistered: return .partyRegistered
        case .partyKeyRotated: return .partyKeyRotated
        case .partySuspended: return .partySuspended
        case .partyReinstated: return .partyReinstated
        case .datasetCataloged: return .datasetCataloged
        case .datasetReclassified: return .datasetReclassified
        case .grantIssued: return .grantIssued
        case .grantRevoked: return .grantRevoked
        case .exchangeSent: return .exchangeSent
        case .exchangeReceived: return .exchangeReceived
        case .qualityReported: return .qualityReported
        case .auditFinding: return .auditFinding
        }
    }

    /// Reads a body of `type` from JSON; exactly the fields of §6 with valid values.
    public init(type: EventType, json: JSONValue) throws(FormatError) {
        try self.init(type: type, reading: try ObjectReader(json, path: "body"))
    }

    /// Reads a body of `type` from its object's reader.
    init(type: EventType, reading object: ObjectReader) throws(FormatError) {
        var reader = object
        switch type {
        case .ledgerGenesis: self = .genesis(try GenesisBody(reading: &reader))
        case .partyRegistered: self = .partyRegistered(try PartyRegisteredBody(reading: &reader))
        case .partyKeyRotated: self = .partyKeyRotated(try PartyKeyRotatedBody(reading: &reader))
        case .partySuspended: self = .partySuspended(try PartyStatusBody(reading: &reader))
        case .partyReinstated: self = .partyReinstated(try PartyStatusBody(reading: &reader))
        case .datasetCataloged: self = .datasetCataloged(try DatasetCatalogedBody(reading: &reader))
        case .datasetReclassified: self = .datasetReclassified(try DatasetReclassifiedBody(reading: &reader))
        case .grantIssued: self = .grantIssued(try GrantIssuedBody(reading: &reader))
        case .grantRevoked: self = .grantRevoked(try GrantRevokedBody(reading: &reader))
        case .exchangeSent: self = .exchangeSent(try ExchangeSentBody(reading: &reader))
        case .exchangeReceived: self = .exchangeReceived(try ExchangeReceivedBody(reading: &reader))
        case .qualityReported: self = .qualityReported(try QualityReportedBody(reading: &reader))
        case .auditFinding: self = .auditFinding(try AuditFindingBody(reading: &reader))
        }
        try reader.finish()
    }

    /// The body as a JSON object.
    public var json: JSONValue {
        switch self {
        case .genesis(let body): return .object(body.members)
        case .partyRegistered(let body): return .object(body.members)
        case .partyKeyRotated(let body): return .object(body.members)
        case .partySuspended(let body), .partyReinstated(let body): return .object(body.members)
        case .datasetCataloged(let body): return .object(body.members)
        case .datasetReclassified(let body): return .object(body.members)
        case .grantIssued(let body): return .object(body.members)
        case .grantRevoked(let body): return .object(body.members)
        case .exchangeSent(let body): return .object(body.members)
        case .exchangeReceived(let body): return .object(body.members)
        case .qualityReported(let body): return .object(body.members)
        case .auditFinding(let body): return .object(body.members)
        }
    }
}
