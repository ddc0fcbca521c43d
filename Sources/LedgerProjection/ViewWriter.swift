import LedgerCore

/// Turns the ``ViewChange``s of one batch of entries into the rows of a ``RowBatch``, on the
/// thread that folds them; the transaction then only runs the batch.
///
/// Within a batch, an exchange acknowledged (or found in breach of P6/P7) a few entries after it
/// was sent has its row completed in place (``RowBatch/replace(_:with:)``) instead of inserted
/// and then updated, and flows are summed and upserted once, at ``finish()``, instead of once per
/// exchange. The rows are exactly those the changes describe one by one (``ViewDigest`` and the
/// recount tests check it).
struct ViewWriter {
    private(set) var rows = RowBatch()
    /// The exchanges sent in this batch: where each one's row starts in `rows` (its values are
    /// in the order of ``ViewStatements/Number/insertExchange``).
    private var exchangeRows: [String: Int] = [:]
    /// Flow totals of this batch, in order of first appearance.
    private var flows: [FlowRow] = []
    private var flowIndex: [FlowKey: Int] = [:]
    /// The last field list encoded, and its encoding: exchanges of one dataset repeat it.
    private var lastFields: ([String], String) = ([], "[]")

    /// A writer whose batch has room for one the size of `previous`.
    init(sizedLike previous: RowBatch? = nil) {
        if let sizes = previous?.sizes {
            rows.reserve(statements: sizes.statements + sizes.statements / 8, values: sizes.values + sizes.values / 8,
                         bytes: sizes.bytes + sizes.bytes / 8)
        }
    }

    /// Positions of the columns of an exchange row that later entries change: the order of the
    /// values of ``ViewStatements/Number/insertExchange``.
    private enum ExchangeColumn {
        static let records = 10, digest = 12, ack = 13, receivedSeq = 14, receivedTime = 15, receivedRecords = 16
        static let receivedDigest = 17, verdict = 18
    }

    private struct FlowKey: Hashable {
        let provider: String, recipient: String, dataset: String
    }

    /// A flow's totals over this batch.
    private struct FlowRow {
        let key: FlowKey
        var exchanges: Int64 = 0, records: Int64 = 0, bytes: Int64 = 0
        let firstTime: Timestamp
        var lastTime: Timestamp
    }

    /// Applies `change` (flows are summed until ``finish()``).
    mutating func apply(_ change: ViewChange) {
        switch change {
        case .partyRegistered(let body, let seq, let time):
            rows.append(.insertParty, body.party, body.name, body.kind.rawValue, Self.list(body.roles.map(\.rawValue)), body.key.string, body.key.keyID,
                        seq, time.text, seq)
        case .keyRotated(let party, let key, let keyID, let seq):
            rows.append(.rotateKey, key, keyID, seq, party)
        case .partyStatus(let party, let status, let reason, let seq):
            rows.append(.setPartyStatus, status, reason, seq, party)
        case .datasetCataloged(let body, let owner, let seq, let time):
            rows.append(.insertDataset, body.dataset, owner, body.title, body.sharing.rawValue, body.level.rawValue, Self.list(body.fields), seq, time.text)
        case .datasetReclassified(let body, let seq):
            rows.append(.reclassifyDataset, body.sharing.rawValue, body.level.rawValue, seq, body.reason, body.dataset)
        case .grantIssued(let body, let owner, let seq, let time):
            rows.append(.insertGrant, body.grant, body.dataset, owner, body.grantee, body.purpose, Self.list(body.fields), body.from.text, body.until.text,
                        body.from.microsecondsSinceEpoch, body.until.microsecondsSinceEpoch, body.basis, seq, time.text)
        case .grantRevoked(let body, let seq, let time):
            rows.append(.revokeGrant, seq, time.text, body.reason, body.grant)
        case .exchangeSent(let body, let provider, let eventID, let seq, let time, let verdict):
            exchangeRows[body.exchange] = rows.append(
                .insertExchange, body.exchange, seq, time.text, time.microsecondsSinceEpoch, provider, body.recipient, body.dataset,
                body.grant, body.purpose, list(body.fields), body.records, body.bytes, body.digest, "awaiting", Int64?.none,
                String?.none, Int64?.none, String?.none, verdict, eventID)
            assert(rows.text(at: exchangeRows[body.exchange]! + ExchangeColumn.ack, equals: "awaiting")
                   && rows.text(at: exchangeRows[body.exchange]! + ExchangeColumn.verdict, equals: verdict),
                   "ExchangeColumn must follow the values of insertExchange")
            // flows: one row per provider → recipient → dataset, summed.
            let key = FlowKey(provider: provider, recipient: body.recipient, dataset: body.dataset)
            let index: Int
            if let known = flowIndex[key] {
                index = known
            } else {
                index = flows.count
                flowIndex[key] = index
                flows.append(FlowRow(key: key, firstTime: time, lastTime: time))
            }
            flows[index].exchanges += 1
            flows[index].records += body.records
            flows[index].bytes += body.bytes
            flows[index].lastTime = time
        case .exchangeReceived(let body, let seq, let time):
            if let row = exchangeRows[body.exchange] {
                let matches = rows.text(at: row + ExchangeColumn.digest, equals: body.digest) && rows.integer(at: row + ExchangeColumn.records) == body.records
                rows.replace(row + ExchangeColumn.ack, with: matches ? "acknowledged" : "discrepancy")
                rows.replace(row + ExchangeColumn.receivedSeq, with: seq)
                rows.replace(row + ExchangeColumn.receivedTime, with: time.text)
                rows.replace(row + ExchangeColumn.receivedRecords, with: body.records)
                rows.replace(row + ExchangeColumn.receivedDigest, with: body.digest)
                return
            }
            rows.append(.acknowledgeExchange, body.digest, body.records, seq, time.text, body.records, body.digest, body.exchange)
        case .violation(let finding):
            rows.append(.insertViolation, finding.rule.code, finding.seq, finding.eventID, finding.author, finding.exchange, finding.dataset,
                        finding.provider, finding.recipient, finding.relatedSeq, finding.message)
            // P1, P2, P4, P5 are in the verdict from the exchange row on; P6 and P7 come later.
            guard finding.rule == .receiptDiscrepancy || finding.rule == .unacknowledged else { return }
            if let row = exchangeRows[finding.exchange] {
                let verdict = rows.text(at: row + ExchangeColumn.verdict) ?? "compliant"
                rows.replace(row + ExchangeColumn.verdict, with: verdict == "compliant" ? finding.rule.code : verdict + "," + finding.rule.code)
                if finding.rule == .unacknowledged && rows.text(at: row + ExchangeColumn.ack, equals: "awaiting") {
                    rows.replace(row + ExchangeColumn.ack, with: "overdue")
                }
                return
            }
            rows.append(.addToVerdict, finding.rule.code, finding.exchange)
        case .quality(let body, let reporter, let seq, let time):
            rows.append(.insertQuality, seq, time.text, reporter, body.dataset, body.exchange, body.dimension.rawValue, body.severity.rawValue, body.note)
        case .auditFinding(let body, let regulator, let seq, let time):
            rows.append(.insertFinding, seq, time.text, regulator, body.subject, body.finding, body.severity.rawValue)
        }
    }

    /// The batch, with the flows' totals added.
    mutating func finish() -> RowBatch {
        for flow in flows {
            rows.append(.addToFlow, flow.key.provider, flow.key.recipient, flow.key.dataset, flow.exchanges, flow.records, flow.bytes,
                        flow.firstTime.text, flow.lastTime.text, flow.lastTime.microsecondsSinceEpoch)
        }
        return rows
    }

    /// ``list(_:)`` remembering the last list, which the next exchange most likely repeats.
    private mutating func list(_ names: [String]) -> String {
        if names != lastFields.0 { lastFields = (names, Self.list(names)) }
        return lastFields.1
    }

    /// A list of names as the canonical JSON array SQLite's json functions read: `["a","b"]`.
    static func list(_ names: [String]) -> String {
        String(decoding: CanonicalJSON.encode(.array(names.map { .string($0) })), as: UTF8.self)
    }
}

