import LedgerCrypto

/// Putting a ``PolicyChecker``'s state back, item by item, from a record of it kept elsewhere —
/// the projector's views hold every item as of their position — instead of replaying the log
/// from genesis.
///
/// Each call puts back one item exactly as ``PolicyChecker/apply(_:)`` left it. Grants and open
/// exchanges must come in log order, the order `apply` met them: P2 tries the grants of a
/// dataset and recipient in issue order, and P7's due queue is the exchanges in sending order.
///
/// ```swift
/// var policy = PolicyChecker(acknowledgementWindow: window)
/// for row in partyRows { policy.restoreParty(row.party, kind: row.kind) }
/// // … datasets, grants by issued seq, open exchanges by seq; then go on with apply(_:)
/// ```
extension PolicyChecker {
    /// A registered party (the operator is of kind `organization`).
    package mutating func restoreParty(_ party: String, kind: PartyKind) {
        partyKinds[party] = kind
    }

    /// A cataloged dataset, with its sharing class and level as last reclassified.
    package mutating func restoreDataset(_ dataset: String, owner: String, sharing: SharingClass, level: SecurityLevel, fields: [String]) {
        datasets[dataset] = Dataset(owner: owner, sharing: sharing, level: level, fields: Set(fields))
    }

    /// An issued grant (issued by the entry `seq`; `revokedAt` is the seq of its revocation).
    /// Call in issue order.
    package mutating func restoreGrant(_ grant: String, seq: Int64, dataset: String, grantee: String, purpose: String,
                                      fields: [String], from: Timestamp, until: Timestamp, revokedAt: Int64?) {
        grants[grant] = Grant(seq: seq, dataset: dataset, grantee: grantee, purpose: purpose, fields: Set(fields),
                              from: from, until: until, revokedAt: revokedAt)
        grantsFor[dataset + "\n" + grantee, default: []].append(grant)
    }

    /// An exchange not yet acknowledged, sent by the entry `seq` (event `eventID`) at `sentAt`
    /// (microseconds of ledger time); `reportedOverdue` if P7 already reported it. Call in log order.
    package mutating func restoreOpenExchange(_ exchange: String, seq: Int64, eventID: String, provider: String, dataset: String,
                                             recipient: String, records: Int64, digest: Hash32, sentAt: Int64, reportedOverdue: Bool) {
        let key = insertOpen(exchange, seq: seq, eventID: eventID, provider: provider, dataset: dataset, recipient: recipient,
                             records: records, digest: digest, due: sentAt + acknowledgementWindow, reportedLate: reportedOverdue)
        if !reportedOverdue { dueQueue.append(key) }
    }
}
