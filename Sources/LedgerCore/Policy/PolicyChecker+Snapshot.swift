import LedgerCrypto

/// A ``PolicyChecker``'s whole state and the findings it gave, in bytes, for a verifier that
/// remembers where it stopped (`verify --remember`) and goes on from there next time.
///
/// Binary, length-prefixed, versioned, like ``LedgerState``'s snapshot:
///
///     policy = "FLPOLICY1" window parties datasets grants grantsFor open dueQueue
///
/// the due queue from its head (exchanges already judged late or acknowledged are dropped),
/// grants and open exchanges sorted by id (the orders that matter — grants per dataset and
/// recipient, and the due queue — are written as lists of their own).
extension PolicyChecker {
    private static let snapshotMagic = Array("FLPOLICY1".utf8)

    /// Writes the checker's state to `out`.
    package func write(to out: inout SnapshotWriter) {
        out.bytes(Self.snapshotMagic)
        out.int(acknowledgementWindow)
        out.list(partyKinds.sorted { $0.key < $1.key }) { out, item in
            out.string(item.key)
            out.string(item.value.rawValue)
        }
        out.list(datasets.sorted { $0.key < $1.key }) { out, item in
            out.string(item.key)
            out.string(item.value.owner)
            out.string(item.value.sharing.rawValue)
            out.string(item.value.level.rawValue)
            out.list(item.value.fields.sorted()) { $0.string($1) }
        }
        out.list(grants.sorted { $0.key < $1.key }) { out, item in
            let grant = item.value
            out.string(item.key)
            out.int(grant.seq)
            out.string(grant.dataset)
            out.string(grant.grantee)
            out.string(grant.purpose)
            out.list(grant.fields.sorted()) { $0.string($1) }
            out.string(grant.from.text)
            out.string(grant.until.text)
            out.optional(grant.revokedAt) { $0.int($1) }
        }
        out.list(grantsFor.sorted { $0.key < $1.key }) { out, item in
            out.string(item.key)
            out.list(item.value) { $0.string($1) }
        }
        var openRows: [OpenExchange] = []
        openRows.reserveCapacity(open.count)
        open.forEach { _, sent in openRows.append(sent) }
        out.list(openRows.sorted { $0.exchange < $1.exchange }) { out, sent in
            out.string(sent.exchange)
            out.int(sent.seq)
            out.string(sent.eventID)
            out.string(names[sent.provider])
            out.string(names[sent.dataset])
            out.string(names[sent.recipient])
            out.int(sent.records)
            out.string(sent.digest.hex)
            out.int(sent.due)
            out.bool(sent.reportedLate)
        }
        // Exchanges acknowledged since they were queued are left out: they would be skipped.
        out.list(dueQueue[dueHead...].compactMap { open[$0]?.exchange }) { $0.string($1) }
    }

    /// The checker ``write(to:)`` wrote, read from `input` (which goes on after it).
    /// - Throws: ``FormatError`` when the bytes are not a whole policy state of this version.
    package init(reading input: inout SnapshotReader) throws(FormatError) {
        guard try input.bytes(Self.snapshotMagic.count) == Self.snapshotMagic else {
            throw FormatError(.invalidValue, field: "policy", "is not a FlowLedger policy state of version 1")
        }
        self.init(acknowledgementWindow: try input.int())
        func parsed<T: RawRepresentable<String>>(_ type: T.Type, _ field: String, _ input: inout SnapshotReader) throws(FormatError) -> T {
            let name = try input.string()
            guard let value = T(rawValue: name) else { throw FormatError(.invalidValue, field: "policy.\(field)", "unknown value \(name)") }
            return value
        }
        func time(_ input: inout SnapshotReader) throws(FormatError) -> Timestamp {
            let text = try input.string()
            do { return try Timestamp(parsing: text) } catch { throw FormatError(.invalidValue, field: "policy.grants", "\(text) is not a time") }
        }
        func strings(_ input: inout SnapshotReader) throws(FormatError) -> [String] {
            var items: [String] = []
            for _ in 0..<(try input.count()) { items.append(try input.string()) }
            return items
        }
        for _ in 0..<(try input.count()) {
            partyKinds[try input.string()] = try parsed(PartyKind.self, "parties", &input)
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string(), owner = try input.string()
            datasets[id] = Dataset(owner: owner, sharing: try parsed(SharingClass.self, "datasets", &input),
                                   level: try parsed(SecurityLevel.self, "datasets", &input), fields: Set(try strings(&input)))
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string(), seq = try input.int()
            let dataset = try input.string(), grantee = try input.string(), purpose = try input.string()
            let fields = Set(try strings(&input))
            let from = try time(&input), until = try time(&input)
            grants[id] = Grant(seq: seq, dataset: dataset, grantee: grantee, purpose: purpose, fields: fields, from: from, until: until,
                               revokedAt: try input.optional { input throws(FormatError) in try input.int() })
        }
        for _ in 0..<(try input.count()) {
            grantsFor[try input.string()] = try strings(&input)
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string(), seq = try input.int()
            let eventID = try input.string(), provider = try input.string(), dataset = try input.string(), recipient = try input.string()
            let records = try input.int(), digestText = try input.string(), due = try input.int()
            guard let digest = try? Hash32(hex: digestText) else {
                throw FormatError(.invalidValue, field: "policy.open", "exchange \(quotedForMessage(id)): digest \(quotedForMessage(digestText)) is not 64 lowercase hex digits")
            }
            insertOpen(id, seq: seq, eventID: eventID, provider: provider, dataset: dataset, recipient: recipient, records: records,
                       digest: digest, due: due, reportedLate: try input.bool())
        }
        dueQueue = try strings(&input).map { DigestKey($0) }
    }
}

extension PolicyFinding {
    /// Appends the finding's fields to a snapshot (see ``PolicyChecker/write(to:)``).
    func write(to out: inout SnapshotWriter) {
        out.int(Int64(rule.rawValue))
        out.int(seq)
        out.string(eventID)
        out.string(author)
        out.string(exchange)
        out.string(dataset)
        out.string(provider)
        out.string(recipient)
        out.optional(relatedSeq) { $0.int($1) }
        out.string(message)
    }

    /// Writes `findings` to `out`: a count, then each finding's fields.
    package static func write(_ findings: [PolicyFinding], to out: inout SnapshotWriter) {
        out.list(findings) { out, finding in finding.write(to: &out) }
    }

    /// The findings ``write(_:to:)`` wrote, read from `input` (which goes on after them).
    /// - Throws: ``FormatError`` when the bytes are not a whole list of findings.
    package static func read(from input: inout SnapshotReader) throws(FormatError) -> [PolicyFinding] {
        var findings: [PolicyFinding] = []
        for _ in 0..<(try input.count()) {
            let code = try input.int()
            guard let rule = PolicyRule(rawValue: Int(code)) else { throw FormatError(.invalidValue, field: "findings", "unknown rule \(code)") }
            let seq = try input.int()
            let eventID = try input.string(), author = try input.string(), exchange = try input.string()
            let dataset = try input.string(), provider = try input.string(), recipient = try input.string()
            let related = try input.optional { input throws(FormatError) in try input.int() }
            findings.append(PolicyFinding(rule: rule, seq: seq, eventID: eventID, author: author, exchange: exchange, dataset: dataset,
                                          provider: provider, recipient: recipient, relatedSeq: related, message: try input.string()))
        }
        return findings
    }
}
