import GRDB

// The typed rows of the views, as ``ViewReader`` returns them: participants and regulators
// read the state from Swift without SQL. Immutable values: a row is a snapshot of the views at
// the position they were read at.

/// A registered party with its current key and status (`parties`).
public struct PartyView: Hashable, Sendable {
    /// Party id.
    public let party: String
    /// Display name.
    public let name: String
    /// `government`, `enterprise`, `organization` or `regulator` (the operator is `organization`).
    public let kind: String
    /// Roles, sorted.
    public let roles: [String]
    /// The current public key and its id.
    public let key: String, keyID: String
    /// `active` or `suspended`.
    public let status: String
    /// The entry that registered it.
    public let registeredSeq: Int64

    init(_ row: Row) {
        party = row["party"]; name = row["name"]; kind = row["kind"]; roles = ViewReader.list(row["roles"])
        key = row["key"]; keyID = row["key_id"]; status = row["status"]; registeredSeq = row["registered_seq"]
    }
}

/// A catalogued dataset with its current sharing class and security level (`datasets`).
public struct DatasetView: Hashable, Sendable {
    /// Dataset id, owner and title.
    public let dataset: String, owner: String, title: String
    /// `none`, `conditional` or `open`.
    public let sharing: String
    /// `general`, `important` or `core`.
    public let level: String
    /// Field names.
    public let fields: [String]
    /// The entry that catalogued it (the report names it, so a proof of it can be asked for).
    package let catalogedSeq: Int64

    init(_ row: Row) {
        dataset = row["dataset"]; owner = row["owner"]; title = row["title"]; sharing = row["sharing"]
        level = row["level"]; fields = ViewReader.list(row["fields"]); catalogedSeq = row["cataloged_seq"]
    }
}

/// A grant with its status at the last projected entry's ledger time (`grant_status`).
public struct GrantView: Hashable, Sendable {
    /// Grant id, dataset, owner (grantor) and grantee.
    public let grant: String, dataset: String, owner: String, grantee: String
    /// Purpose and fields granted.
    public let purpose: String, fields: [String]
    /// Validity window (RFC 3339).
    public let validFrom: String, validUntil: String
    /// `active`, `revoked`, `expired` or `pending` (not yet valid).
    public let status: String
    /// The revocation entry, if revoked.
    public let revokedSeq: Int64?
    /// The entry that issued it (the report names it, so a proof of it can be asked for).
    package let issuedSeq: Int64

    init(_ row: Row) {
        issuedSeq = row["issued_seq"]
        grant = row["grant_id"]; dataset = row["dataset"]; owner = row["owner"]; grantee = row["grantee"]
        purpose = row["purpose"]; fields = ViewReader.list(row["fields"]); validFrom = row["valid_from"]
        validUntil = row["valid_until"]; status = row["status"]; revokedSeq = row["revoked_seq"]
    }
}

/// An exchange with its acknowledgement status and compliance verdict (`exchanges`).
public struct ExchangeView: Hashable, Sendable {
    /// Exchange id and the entry that recorded it.
    public let exchange: String, seq: Int64
    /// Ledger time of the exchange.
    public let time: String
    /// Who sent which dataset to whom, under which grant.
    public let provider: String, recipient: String, dataset: String, grant: String?
    /// Records and bytes sent.
    public let records: Int64, bytes: Int64
    /// `awaiting`, `acknowledged`, `discrepancy` (P6) or `overdue` (P7, not yet acknowledged).
    public let ack: String
    /// `compliant`, or the rules broken, e.g. `P2,P6`.
    public let verdict: String
    /// The id of the `exchange.sent` event (its author's idempotency key).
    public let eventID: String

    init(_ row: Row) {
        exchange = row["exchange"]; seq = row["seq"]; time = row["time"]; provider = row["provider"]
        recipient = row["recipient"]; dataset = row["dataset"]; grant = row["grant_id"]; records = row["records"]
        bytes = row["bytes"]; ack = row["ack"]; verdict = row["verdict"]; eventID = row["event_id"]
    }
}

/// What one provider sent one recipient of one dataset, summed (`flows`).
public struct FlowView: Hashable, Sendable {
    /// Provider, recipient, dataset.
    public let provider: String, recipient: String, dataset: String
    /// Totals.
    public let exchanges: Int64, records: Int64, bytes: Int64
    /// Ledger time of the latest exchange.
    public let lastTime: String

    init(_ row: Row) {
        provider = row["provider"]; recipient = row["recipient"]; dataset = row["dataset"]; exchanges = row["exchanges"]
        records = row["records"]; bytes = row["bytes"]; lastTime = row["last_time"]
    }
}

/// A policy violation (DESIGN §7 P1–P7) with the entry that shows it (`violations`).
public struct ViolationView: Hashable, Sendable {
    /// Its number, in the order violations were found.
    public let id: Int64
    /// "P1" … "P7".
    public let rule: String
    /// The entry that shows the breach, and another involved (if any).
    public let seq: Int64, relatedSeq: Int64?
    /// Exchange, dataset, provider, recipient.
    public let exchange: String, dataset: String, provider: String, recipient: String
    /// The explanation.
    public let message: String

    init(_ row: Row) {
        id = row["id"]; rule = row["rule"]; seq = row["seq"]; relatedSeq = row["related_seq"]; exchange = row["exchange"]
        dataset = row["dataset"]; provider = row["provider"]; recipient = row["recipient"]; message = row["message"]
    }
}

/// A recipient's quality report (`quality`).
public struct QualityView: Hashable, Sendable {
    /// The entry, the reporter, the dataset and (optionally) the exchange.
    public let seq: Int64, reporter: String, dataset: String, exchange: String?
    /// Dimension, severity and note.
    public let dimension: String, severity: String, note: String

    init(_ row: Row) {
        seq = row["seq"]; reporter = row["reporter"]; dataset = row["dataset"]; exchange = row["exchange"]
        dimension = row["dimension"]; severity = row["severity"]; note = row["note"]
    }
}

/// A regulator's audit finding (`findings`).
public struct AuditFindingView: Hashable, Sendable {
    /// The entry and the regulator.
    public let seq: Int64, regulator: String
    /// What it is about, what was found, how serious.
    public let subject: String, finding: String, severity: String

    init(_ row: Row) {
        seq = row["seq"]; regulator = row["regulator"]; subject = row["subject"]; finding = row["finding"]; severity = row["severity"]
    }
}
