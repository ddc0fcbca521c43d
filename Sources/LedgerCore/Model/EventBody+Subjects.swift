/// Whom and what an event is about, read from the fields of DESIGN §6 that name them, so a
/// participant can pick out the events addressed to it and `flowledger tail` can filter.
extension EventBody {
    /// The other party the event names, besides its author: the recipient of `exchange.sent`,
    /// the grantee of `grant.issued`, the party of `party.registered`, `party.suspended` and
    /// `party.reinstated`; nil for the other types.
    public var counterparty: String? {
        switch self {
        case .exchangeSent(let body): return body.recipient
        case .grantIssued(let body): return body.grantee
        case .partyRegistered(let body): return body.party
        case .partySuspended(let body), .partyReinstated(let body): return body.party
        default: return nil
        }
    }

    /// The dataset the event is about: the `dataset` of `dataset.*`, `grant.issued`,
    /// `exchange.sent` and `quality.reported`; nil for the other types.
    public var dataset: String? {
        switch self {
        case .datasetCataloged(let body): return body.dataset
        case .datasetReclassified(let body): return body.dataset
        case .grantIssued(let body): return body.dataset
        case .exchangeSent(let body): return body.dataset
        case .qualityReported(let body): return body.dataset
        default: return nil
        }
    }
}
