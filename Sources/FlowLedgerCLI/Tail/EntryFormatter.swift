import FlowLedger
import LedgerCrypto
import LedgerCore

/// How `flowledger tail` prints one entry: one line each, newline included.
///
/// - `pretty`: for people —
///   `6 2026-11-23T08:00:00.000000Z exchange.sent        ride.example → transport.sh dataset=trips exchange=x-1 …`:
///   seq, ledger time, type (padded to line up), author → counterparty, then the key facts of
///   the body as `name=value` (values with spaces or special characters in JSON quotes, so text
///   from an event can never inject control sequences into a terminal). Colour only if asked.
/// - `json`: for `jq` — canonical compact JSON,
///   `{"author":…,"event":{…},"hash":"<leaf hash hex>","seq":…,"time":…,"type":…}`, where `event`
///   is the stored event byte for byte (it is what the signature covers) and `hash` is
///   L(seq) = H(0x00 || line), what `prev` of the next entry and the Merkle proofs name.
/// - `raw`: the stored line exactly.
struct EntryFormatter {
    /// The output formats of `-o`.
    enum Format: String, CaseIterable {
        case pretty, json, raw
    }

    let format: Format
    /// ANSI colours in `pretty` (only on a terminal, and not when NO_COLOR is set).
    let colour: Bool
    /// The ledger's hash, for `hash` in `json`.
    let hash: HashAlgorithm

    /// The printed line of `stored`, with its newline.
    func line(_ stored: StoredEntry) -> [UInt8] {
        switch format {
        case .raw: return stored.line + [0x0a]
        case .json: return json(stored) + [0x0a]
        case .pretty: return Array((pretty(stored.entry) + "\n").utf8)
        }
    }

    // MARK: - json

    private func json(_ stored: StoredEntry) -> [UInt8] {
        let entry = stored.entry
        var out: [UInt8] = []
        out.reserveCapacity(stored.line.count + 160)
        out += #"{"author":"#.utf8
        CanonicalJSON.appendString(entry.event.author, to: &out)
        out += #","event":"#.utf8
        out += entry.signed.canonicalEvent
        out += #","hash":"#.utf8
        CanonicalJSON.appendString(Entry.leafHash(line: stored.line, hash: hash).hex, to: &out)
        out += #","seq":"#.utf8
        out += String(entry.seq).utf8
        out += #","time":"#.utf8
        CanonicalJSON.appendString(entry.time.text, to: &out)
        out += #","type":"#.utf8
        CanonicalJSON.appendString(entry.event.type.rawValue, to: &out)
        out.append(UInt8(ascii: "}"))
        return out
    }

    // MARK: - pretty

    /// The longest type name, `dataset.reclassified`, so the parties line up.
    private static let typeWidth = EventType.allCases.map(\.rawValue.count).max()!

    private func pretty(_ entry: Entry) -> String {
        let event = entry.event
        let type = event.type.rawValue
        var text = paint("\(entry.seq)", "2") + " " + entry.time.text + " "
        text += paint(type, Self.colourCode(of: event.type)) + String(repeating: " ", count: Self.typeWidth - type.count) + " "
        text += paint(Self.value(event.author), "1")
        if let whom = event.body.counterparty { text += " → " + paint(Self.value(whom), "1") }
        var facts: [(String, String)] = []
        if let dataset = event.body.dataset { facts.append(("dataset", dataset)) }
        facts += Self.facts(of: event.body)
        for (name, value) in facts { text += " \(name)=\(Self.value(value))" }
        return text
    }

    private func paint(_ text: String, _ code: String) -> String {
        colour ? "\u{1b}[\(code)m\(text)\u{1b}[0m" : text
    }

    /// One colour per family of types: who may act (blue), what exists (magenta), who may
    /// receive (cyan), what moved (green), feedback (yellow), findings (red).
    private static func colourCode(of type: EventType) -> String {
        switch type {
        case .ledgerGenesis, .partyRegistered, .partyKeyRotated, .partySuspended, .partyReinstated: return "34"
        case .datasetCataloged, .datasetReclassified: return "35"
        case .grantIssued, .grantRevoked: return "36"
        case .exchangeSent, .exchangeReceived: return "32"
        case .qualityReported: return "33"
        case .auditFinding: return "31"
        }
    }

    /// The facts worth a glance, besides the parties and the dataset; public keys by key id,
    /// payload digests left out (they are in `-o json`).
    private static func facts(of body: EventBody) -> [(String, String)] {
        switch body {
        case .genesis(let b):
            return [("origin", b.origin), ("suite", b.suite.rawValue), ("operator", b.operator.party), ("key", b.operator.key.keyID)]
        case .partyRegistered(let b):
            return [("name", b.name), ("kind", b.kind.rawValue), ("roles", b.roles.map(\.rawValue).joined(separator: ",")), ("key", b.key.keyID)]
        case .partyKeyRotated(let b):
            return [("key", b.key.keyID)]
        case .partySuspended(let b), .partyReinstated(let b):
            return [("reason", b.reason)]
        case .datasetCataloged(let b):
            return [("title", b.title), ("sharing", b.sharing.rawValue), ("level", b.level.rawValue), ("fields", b.fields.joined(separator: ","))]
        case .datasetReclassified(let b):
            return [("sharing", b.sharing.rawValue), ("level", b.level.rawValue), ("reason", b.reason)]
        case .grantIssued(let b):
            return [("grant", b.grant), ("purpose", b.purpose), ("fields", b.fields.joined(separator: ",")), ("from", b.from.text), ("until", b.until.text), ("basis", b.basis)]
        case .grantRevoked(let b):
            return [("grant", b.grant), ("reason", b.reason)]
        case .exchangeSent(let b):
            return [("exchange", b.exchange)] + (b.grant.map { [("grant", $0)] } ?? [])
                + [("purpose", b.purpose), ("fields", b.fields.joined(separator: ",")), ("records", "\(b.records)"), ("bytes", "\(b.bytes)")]
        case .exchangeReceived(let b):
            return [("exchange", b.exchange), ("records", "\(b.records)")]
        case .qualityReported(let b):
            return (b.exchange.map { [("exchange", $0)] } ?? []) + [("dimension", b.dimension.rawValue), ("severity", b.severity.rawValue), ("note", b.note)]
        case .auditFinding(let b):
            return [("subject", b.subject), ("severity", b.severity.rawValue), ("finding", b.finding)]
        }
    }

    /// `text` as is when it is plain (letters, digits, `.,:_-/+@`, any non-ASCII letter), else in
    /// quotes, with `\"`, `\\`, `\n`, `\t` and `\uXXXX` for every other control, format or separator
    /// character (JSON's escapes).
    static func value(_ text: String) -> String {
        let plain = !text.isEmpty && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII ? (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".,:_-/+@".unicodeScalars.contains(scalar))
                : !TerminalText.isUnsafe(scalar) && !scalar.properties.isWhitespace
        }
        if plain { return text }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default: TerminalText.append(scalar, to: &out)
            }
        }
        return out + "\""
    }
}
