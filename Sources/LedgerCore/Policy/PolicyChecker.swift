import LedgerCrypto

/// The policy rules of DESIGN §7 (P1–P7) as a deterministic fold over the log: feed it every
/// entry in order and it returns the ``PolicyFinding``s each one reveals. One implementation
/// serves the verifier's report and the projector's violations view.
///
/// It expects entries that passed the integrity rules (``LedgerState``): references resolve and
/// authors are entitled, so it only judges what the rules let through. It does no I/O.
///
/// Memory is bounded by the live state — parties, datasets, grants and exchanges not yet
/// acknowledged — not by the number of entries: an acknowledged exchange is forgotten.
///
/// Time is ledger time (`Entry.time`), which never decreases, so the result depends on the log
/// alone: P2's validity window is judged at the exchange's ledger time, and P7 reports an
/// exchange once the first entry later than `sent + window` is applied without an
/// acknowledgement before it (or when that acknowledgement arrives late).
///
/// Its state can be put back item by item (``restoreParty(_:kind:)`` and its siblings), so a
/// projector resumes it from its views instead of replaying the log from genesis.
///
/// ```swift
/// var policy = PolicyChecker()
/// for entry in entries { findings += policy.apply(entry) }
/// ```
package struct PolicyChecker: Sendable {
    /// The default P7 window: 24 hours of ledger time, in microseconds.
    package static let defaultAcknowledgementWindow: Int64 = 24 * 3600 * 1_000_000

    /// How long a recipient has to acknowledge an exchange (P7), in microseconds of ledger time.
    package let acknowledgementWindow: Int64

    struct Dataset: Sendable {
        let owner: String
        var sharing: SharingClass
        var level: SecurityLevel
        let fields: Set<String>
    }

    struct Grant: Sendable {
        let seq: Int64
        let dataset: String
        let grantee: String
        let purpose: String
        let fields: Set<String>
        let from: Timestamp
        let until: Timestamp
        var revokedAt: Int64?
    }

    /// An exchange not yet acknowledged: what P6 compares its acknowledgement with and what P7
    /// reports, in about 100 bytes with no storage of its own. The verifier holds one for every
    /// exchange its recipient never acknowledged, so a ledger of a million of them must not cost
    /// half a gigabyte: the digest (64 hex digits, checked by the event's parser) is kept as its
    /// 32 bytes, and party and dataset ids as indexes into ``names``. Fields run from the widest
    /// down, so the row has no padding between them.
    struct OpenExchange: Sendable {
        let digest: Hash32
        let seq: Int64
        let records: Int64
        let due: Int64
        let exchange: String
        let eventID: String
        let provider: UInt32
        let dataset: UInt32
        let recipient: UInt32
        var reportedLate: Bool

        /// What fills the open table's unused slots (never returned by it).
        static let placeholder = OpenExchange(digest: .zero, seq: 0, records: 0, due: 0, exchange: "", eventID: "",
                                              provider: 0, dataset: 0, recipient: 0, reportedLate: false)
    }

    var partyKinds: [String: PartyKind] = [:]
    var datasets: [String: Dataset] = [:]
    var grants: [String: Grant] = [:]
    /// Grant ids by "dataset\ngrantee", for exchanges that name no grant.
    var grantsFor: [String: [String]] = [:]
    /// Exchanges not yet acknowledged, by the key of their id (sharded, so growing copies one
    /// sixteenth of the table at a time, never the whole of it).
    var open = ShardedTable(placeholder: OpenExchange.placeholder)
    /// The party and dataset ids the open exchanges name, each stored once.
    var names = NameTable()
    /// The keys of open exchanges in order of their due time (ledger time never decreases, so
    /// sending order is due order); acknowledged ones are skipped when reached.
    var dueQueue: [DigestKey] = []
    var dueHead = 0

    /// A checker with the P7 window `acknowledgementWindow` (microseconds of ledger time).
    package init(acknowledgementWindow: Int64 = PolicyChecker.defaultAcknowledgementWindow) {
        self.acknowledgementWindow = acknowledgementWindow
    }

    /// The number of exchanges not yet acknowledged.
    package var openExchanges: Int { open.count }

    /// Records an open exchange and returns its key, for the due queue (the caller queues it:
    /// not when P7 reported it already, nor when a snapshot brings its own queue).
    @discardableResult
    mutating func insertOpen(_ exchange: String, seq: Int64, eventID: String, provider: String, dataset: String, recipient: String,
                             records: Int64, digest: Hash32, due: Int64, reportedLate: Bool) -> DigestKey {
        let key = DigestKey(exchange)
        open[key] = OpenExchange(digest: digest, seq: seq, records: records, due: due, exchange: exchange, eventID: eventID,
                                 provider: names.index(provider), dataset: names.index(dataset), recipient: names.index(recipient),
                                 reportedLate: reportedLate)
        return key
    }

    /// Applies `entry` and returns the findings it reveals, in rule order: P7 for exchanges whose
    /// window ended before this entry's time, then those about the entry itself.
    package mutating func apply(_ entry: Entry) -> [PolicyFinding] {
        var findings = overdue(before: entry.time)
        let event = entry.event
        switch event.body {
        case .genesis(let body):
            partyKinds[body.operator.party] = .organization
        case .partyRegistered(let body):
            partyKinds[body.party] = body.kind
        case .datasetCataloged(let body):
            datasets[body.dataset] = Dataset(owner: event.author, sharing: body.sharing, level: body.level, fields: Set(body.fields))
        case .datasetReclassified(let body):
            datasets[body.dataset]?.sharing = body.sharing
            datasets[body.dataset]?.level = body.level
        case .grantIssued(let body):
            grants[body.grant] = Grant(seq: entry.seq, dataset: body.dataset, grantee: body.grantee, purpose: body.purpose,
                                       fields: Set(body.fields), from: body.from, until: body.until)
            grantsFor[body.dataset + "\n" + body.grantee, default: []].append(body.grant)
        case .grantRevoked(let body):
            grants[body.grant]?.revokedAt = entry.seq
        case .exchangeSent(let body):
            findings += judgeSent(body, entry: entry)
            // Every Event's body was read back by the strict reader, which lets through only 64
            // lowercase hex digits: the digest always converts.
            guard let digest = try? Hash32(hex: body.digest) else { preconditionFailure("exchange.sent digest \(body.digest) passed the event's checks") }
            dueQueue.append(insertOpen(body.exchange, seq: entry.seq, eventID: event.id, provider: event.author, dataset: body.dataset,
                       recipient: body.recipient, records: body.records, digest: digest,
                       due: entry.time.microsecondsSinceEpoch + acknowledgementWindow, reportedLate: false))
        case .exchangeReceived(let body):
            findings += judgeReceived(body, entry: entry)
        case .partyKeyRotated, .partySuspended, .partyReinstated, .qualityReported, .auditFinding:
            break
        }
        return findings
    }

    // MARK: - P1, P2, P4, P5: the exchange as sent

    private func judgeSent(_ body: ExchangeSentBody, entry: Entry) -> [PolicyFinding] {
        guard let dataset = datasets[body.dataset] else { return [] }  // rule 5 guarantees it exists
        var findings: [PolicyFinding] = []
        func finding(_ rule: PolicyRule, related: Int64? = nil, _ message: String) {
            findings.append(PolicyFinding(rule: rule, seq: entry.seq, eventID: entry.event.id, author: entry.event.author,
                                          exchange: body.exchange, dataset: body.dataset, provider: entry.event.author,
                                          recipient: body.recipient, relatedSeq: related, message: message))
        }
        switch dataset.sharing {
        case .none:
            finding(.notShared, "dataset \"\(body.dataset)\" is cataloged with sharing \"none\" and may not be exchanged at all")
        case .conditional:
            if let problem = grantProblem(body, at: entry) {
                finding(.noValidGrant, related: problem.related, problem.message)
            }
        case .open:
            break
        }
        if dataset.level == .core {
            let kind = partyKinds[body.recipient]
            if kind != .government && kind != .regulator {
                finding(.coreDataToNonGovernment, "dataset \"\(body.dataset)\" is core data, which only government or regulator parties may receive; \(body.recipient) is of kind \(kind?.rawValue ?? "unknown")")
            }
        }
        let extra = body.fields.filter { !dataset.fields.contains($0) }
        if !extra.isEmpty {
            finding(.fieldsOutsideDataset, "field\(extra.count == 1 ? "" : "s") \(Self.list(extra)) \(extra.count == 1 ? "is" : "are") not in dataset \"\(body.dataset)\" (its fields: \(Self.list(dataset.fields.sorted())))")
        }
        return findings
    }

    /// Why no grant allows this exchange (P2), or nil if one does. With a named grant, that grant
    /// is judged; without one, any grant to the recipient for the dataset that fits will do.
    private func grantProblem(_ body: ExchangeSentBody, at entry: Entry) -> (message: String, related: Int64?)? {
        if let id = body.grant {
            guard let grant = grants[id] else { return ("grant \"\(id)\" does not exist", nil) }
            return problem(with: grant, id: id, body, at: entry)
        }
        let candidates = grantsFor[body.dataset + "\n" + body.recipient] ?? []
        if candidates.contains(where: { grants[$0].map { problem(with: $0, id: "", body, at: entry) == nil } ?? false }) {
            return nil
        }
        if candidates.isEmpty {
            return ("dataset \"\(body.dataset)\" is shared only on conditions and \(entry.event.author) issued no grant for it to \(body.recipient); the exchange names no grant", nil)
        }
        return ("the exchange names no grant, and none of the \(candidates.count) grant\(candidates.count == 1 ? "" : "s") for \"\(body.dataset)\" to \(body.recipient) (\(Self.list(candidates))) covers it", nil)
    }

    private func problem(with grant: Grant, id: String, _ body: ExchangeSentBody, at entry: Entry) -> (message: String, related: Int64?)? {
        // Messages are built only for a problem: this runs for every exchange.
        var name: String { "grant \"\(id)\" (seq \(grant.seq))" }
        if grant.dataset != body.dataset {
            return ("\(name) is for dataset \"\(grant.dataset)\", not \"\(body.dataset)\"", grant.seq)
        }
        if grant.grantee != body.recipient {
            return ("\(name) was issued to \(grant.grantee), not to the recipient \(body.recipient)", grant.seq)
        }
        if let revoked = grant.revokedAt {
            return ("\(name) was revoked at seq \(revoked), before this exchange", revoked)
        }
        if entry.time < grant.from || grant.until < entry.time {
            return ("\(name) is valid from \(grant.from) until \(grant.until); the exchange was recorded at \(entry.time)", grant.seq)
        }
        if grant.purpose != body.purpose {
            return ("\(name) allows the purpose \"\(quotedForMessage(grant.purpose))\", the exchange states \"\(quotedForMessage(body.purpose))\"", grant.seq)
        }
        if body.fields.contains(where: { !grant.fields.contains($0) }) {
            let extra = body.fields.filter { !grant.fields.contains($0) }
            return ("\(name) does not cover field\(extra.count == 1 ? "" : "s") \(Self.list(extra)) (it grants \(Self.list(grant.fields.sorted())))", grant.seq)
        }
        return nil
    }

    // MARK: - P6, P7: the acknowledgement

    private mutating func judgeReceived(_ body: ExchangeReceivedBody, entry: Entry) -> [PolicyFinding] {
        let key = DigestKey(body.exchange)
        guard let sent = open[key] else { return [] }
        open[key] = nil
        let recipient = names[sent.recipient]
        var findings: [PolicyFinding] = []
        func finding(_ rule: PolicyRule, _ message: String) {
            findings.append(PolicyFinding(rule: rule, seq: entry.seq, eventID: entry.event.id, author: entry.event.author,
                                          exchange: body.exchange, dataset: names[sent.dataset], provider: names[sent.provider],
                                          recipient: recipient, relatedSeq: sent.seq, message: message))
        }
        var differences: [String] = []
        if (try? Hash32(hex: body.digest)) != sent.digest { differences.append("digest \(body.digest) where \(sent.digest.hex) was sent") }
        if body.records != sent.records { differences.append("\(body.records) records where \(sent.records) were sent") }
        if !differences.isEmpty {
            finding(.receiptDiscrepancy, "\(recipient) acknowledged \(differences.joined(separator: " and ")) (exchange.sent at seq \(sent.seq)): the data changed in transit, or one side recorded it wrongly")
        }
        return findings
    }

    /// P7 for every open exchange whose window ended before `time`, each reported once.
    private mutating func overdue(before time: Timestamp) -> [PolicyFinding] {
        let now = time.microsecondsSinceEpoch
        var findings: [PolicyFinding] = []
        while dueHead < dueQueue.count {
            let key = dueQueue[dueHead]
            guard var sent = open[key] else {
                dueHead += 1  // acknowledged in time
                continue
            }
            guard sent.due < now else { break }
            dueHead += 1
            if !sent.reportedLate {
                sent.reportedLate = true
                open[key] = sent
                let provider = names[sent.provider], recipient = names[sent.recipient]
                findings.append(PolicyFinding(rule: .unacknowledged, seq: sent.seq, eventID: sent.eventID, author: provider,
                                              exchange: sent.exchange, dataset: names[sent.dataset], provider: provider, recipient: recipient,
                                              message: "\(recipient) did not acknowledge the exchange within \(Self.duration(acknowledgementWindow)) of ledger time (due \(Timestamp(microsecondsSinceEpoch: sent.due)))"))
            }
        }
        if dueHead > 4096 && dueHead * 2 > dueQueue.count {
            dueQueue.removeFirst(dueHead)
            dueHead = 0
        }
        return findings
    }

    // MARK: - Text

    private static func list(_ names: [String]) -> String {
        names.map { "\"\(quotedForMessage($0))\"" }.joined(separator: ", ")
    }

    /// "24 h", "90 min", "45 s".
    static func duration(_ microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        if seconds % 3600 == 0 { return "\(seconds / 3600) h" }
        if seconds % 60 == 0 { return "\(seconds / 60) min" }
        return "\(seconds) s"
    }
}
