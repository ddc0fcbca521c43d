import FlowLedger

/// The views' numbers counted again straight from the log with plain dictionaries, sharing no
/// code with the projector (not even PolicyChecker): what the views must agree with.
struct Recount {
    struct Flow: Equatable { var exchanges: Int64 = 0, records: Int64 = 0, bytes: Int64 = 0, lastTime = "" }
    struct Sent { let time: Int64, provider: String, recipient: String, dataset: String, fields: [String], records: Int64, digest: String }

    var parties: [String: (kind: String, keyID: String, status: String)] = [:]
    var datasets: [String: (owner: String, sharing: String, level: String, fields: [String])] = [:]
    var grants: [String: (revoked: Bool, from: Int64, until: Int64)] = [:]
    var exchanges: [String: Sent] = [:]
    var acks: [String: (time: Int64, matches: Bool)] = [:]
    var flows: [String: Flow] = [:]
    var quality = 0
    var findings = 0
    var lastTime: Int64 = 0
    var size: Int64 = 0

    /// Counts the first `limit` entries (all when nil).
    init(directory: String, limit: Int64? = nil) throws {
        let reader = try LedgerReader(directory: directory)
        size = min(try reader.refresh(), limit ?? .max)
        for seq in 0..<size {
            let entry = try reader.entry(at: seq)
            let event = entry.event
            let time = entry.time.microsecondsSinceEpoch
            lastTime = time
            switch event.body {
            case .genesis(let body): parties[body.operator.party] = ("organization", body.operator.key.keyID, "active")
            case .partyRegistered(let body): parties[body.party] = (body.kind.rawValue, body.key.keyID, "active")
            case .partyKeyRotated(let body): parties[event.author]!.keyID = body.key.keyID
            case .partySuspended(let body): parties[body.party]!.status = "suspended"
            case .partyReinstated(let body): parties[body.party]!.status = "active"
            case .datasetCataloged(let body):
                datasets[body.dataset] = (event.author, body.sharing.rawValue, body.level.rawValue, body.fields)
            case .datasetReclassified(let body):
                datasets[body.dataset]!.sharing = body.sharing.rawValue
                datasets[body.dataset]!.level = body.level.rawValue
            case .grantIssued(let body):
                grants[body.grant] = (false, body.from.microsecondsSinceEpoch, body.until.microsecondsSinceEpoch)
            case .grantRevoked(let body): grants[body.grant]!.revoked = true
            case .exchangeSent(let body):
                exchanges[body.exchange] = Sent(time: time, provider: event.author, recipient: body.recipient, dataset: body.dataset,
                                                fields: body.fields, records: body.records, digest: body.digest)
                flows["\(event.author) \(body.recipient) \(body.dataset)", default: Flow()].exchanges += 1
                flows["\(event.author) \(body.recipient) \(body.dataset)"]!.records += body.records
                flows["\(event.author) \(body.recipient) \(body.dataset)"]!.bytes += body.bytes
                flows["\(event.author) \(body.recipient) \(body.dataset)"]!.lastTime = entry.time.text
            case .exchangeReceived(let body):
                let sent = exchanges[body.exchange]!
                acks[body.exchange] = (time, sent.digest == body.digest && sent.records == body.records)
            case .qualityReported: quality += 1
            case .auditFinding: findings += 1
            }
        }
    }

    static let window: Int64 = 24 * 3_600_000_000

    /// awaiting, acknowledged, discrepancy or overdue.
    func ack(_ id: String) -> String {
        if let ack = acks[id] { return ack.matches ? "acknowledged" : "discrepancy" }
        return lastTime > exchanges[id]!.time + Self.window ? "overdue" : "awaiting"
    }

    /// Whether P7 fired: an entry later than the window arrived before (or with) the acknowledgement.
    func late(_ id: String) -> Bool {
        let due = exchanges[id]!.time + Self.window
        if let ack = acks[id] { return ack.time > due }
        return lastTime > due
    }

    func grantStatus(_ id: String) -> String {
        let grant = grants[id]!
        if grant.revoked { return "revoked" }
        if grant.until < lastTime { return "expired" }
        if grant.from > lastTime { return "pending" }
        return "active"
    }

    /// Violations counted per rule where the rule needs no grant logic: P1, P4, P5, P6, P7.
    var ruleCounts: [String: Int] {
        var counts: [String: Int] = [:]
        for (id, sent) in exchanges {
            let dataset = datasets[sent.dataset]!
            if dataset.sharing == "none" { counts["P1", default: 0] += 1 }
            if dataset.level == "core" && !["government", "regulator"].contains(parties[sent.recipient]!.kind) { counts["P4", default: 0] += 1 }
            if !Set(sent.fields).isSubset(of: dataset.fields) { counts["P5", default: 0] += 1 }
            if acks[id]?.matches == false { counts["P6", default: 0] += 1 }
            if late(id) { counts["P7", default: 0] += 1 }
        }
        return counts
    }
}
