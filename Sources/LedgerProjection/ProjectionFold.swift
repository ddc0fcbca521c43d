import LedgerCore

/// The projector's fold: entries in, ``ViewChange``s out, deterministically. The policy rules
/// (P1–P7) are not re-implemented here: every entry goes through the same ``PolicyChecker`` the
/// verifier uses, and its findings become violation rows and exchange verdicts.
///
/// Everything else the views need is in the changes themselves (the SQLite rows hold the state),
/// so the only memory is the checker's live state, and that is in the rows too: a projector
/// resuming at a position reads it back from them (``PolicyState``).
///
/// ```swift
/// var fold = ProjectionFold()
/// var writer = ViewWriter()
/// for entry in entries { fold.apply(entry, into: &writer) }
/// ```
struct ProjectionFold: Sendable {
    private(set) var policy: PolicyChecker

    /// A fold whose P7 window is `acknowledgementWindow` microseconds of ledger time.
    init(acknowledgementWindow: Int64 = PolicyChecker.defaultAcknowledgementWindow) {
        policy = PolicyChecker(acknowledgementWindow: acknowledgementWindow)
    }

    /// A fold that goes on from `policy` (read back from the views by ``PolicyState``).
    init(policy: PolicyChecker) {
        self.policy = policy
    }

    /// Hands `writer` the changes `entry` makes, in order: P7 findings that fell due before it, the entry's own
    /// row changes, then the findings about the entry itself (so a violation always follows the
    /// exchange row it names).
    mutating func apply(_ entry: Entry, into changes: inout ViewWriter) {
        let findings = policy.apply(entry)
        let event = entry.event
        let seq = entry.seq
        let time = entry.time
        var own: [PolicyFinding] = []
        for finding in findings {
            if finding.rule == .unacknowledged && finding.seq != seq { changes.apply(.violation(finding)) } else { own.append(finding) }
        }
        switch event.body {
        case .genesis(let body):
            changes.apply(.partyRegistered(PartyRegisteredBody(party: body.operator.party, name: body.operator.name, kind: .organization,
                                                                roles: [], key: body.operator.key), seq: seq, time: time))
        case .partyRegistered(let body):
            changes.apply(.partyRegistered(body, seq: seq, time: time))
        case .partyKeyRotated(let body):
            changes.apply(.keyRotated(party: event.author, key: body.key.string, keyID: body.key.keyID, seq: seq))
        case .partySuspended(let body):
            changes.apply(.partyStatus(party: body.party, status: "suspended", reason: body.reason, seq: seq))
        case .partyReinstated(let body):
            changes.apply(.partyStatus(party: body.party, status: "active", reason: body.reason, seq: seq))
        case .datasetCataloged(let body):
            changes.apply(.datasetCataloged(body, owner: event.author, seq: seq, time: time))
        case .datasetReclassified(let body):
            changes.apply(.datasetReclassified(body, seq: seq))
        case .grantIssued(let body):
            changes.apply(.grantIssued(body, owner: event.author, seq: seq, time: time))
        case .grantRevoked(let body):
            changes.apply(.grantRevoked(body, seq: seq, time: time))
        case .exchangeSent(let body):
            // The verdict starts with the rules broken as sent; P6 and P7 are added as they come.
            let verdict = own.isEmpty ? "compliant" : own.map(\.rule.code).joined(separator: ",")
            changes.apply(.exchangeSent(body, provider: event.author, eventID: event.id, seq: seq, time: time, verdict: verdict))
            for finding in own { changes.apply(.violation(finding)) }
            return
        case .exchangeReceived(let body):
            changes.apply(.exchangeReceived(body, seq: seq, time: time))
        case .qualityReported(let body):
            changes.apply(.quality(body, reporter: event.author, seq: seq, time: time))
        case .auditFinding(let body):
            changes.apply(.auditFinding(body, regulator: event.author, seq: seq, time: time))
        }
        for finding in own { changes.apply(.violation(finding)) }
    }
}
