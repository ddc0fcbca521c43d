import LedgerCrypto

/// The state of a ``PolicyChecker`` as bytes, so that a projector can keep it beside its views
/// and resume from it instead of replaying the log from genesis.
///
/// Layout: the line `flowledger/policy-state/v1\n`, then the P7 window, the party kinds, the
/// datasets, the grants, the grant index, the open exchanges and the due queue (of the open
/// exchanges not yet reported overdue), each a count followed by its items. Integers are 8 bytes
/// little-endian; a string is a 4-byte length and its UTF-8 bytes. Written and read field by field (no generic coder): the state of a busy
/// ledger holds every open exchange, and Foundation's JSON coders took seconds over it.
extension PolicyChecker {
    private static let snapshotMagic = Array("flowledger/policy-state/v1\n".utf8)

    /// The state as bytes (read back with ``init(snapshot:)``).
    public func snapshot() -> [UInt8] {
        var out = SnapshotWriter()
        out.bytes += Self.snapshotMagic
        out.int(acknowledgementWindow)
        out.int(partyKinds.count)
        for (party, kind) in partyKinds {
            out.string(party)
            out.string(kind.rawValue)
        }
        out.int(datasets.count)
        for (id, dataset) in datasets {
            out.strings(id, dataset.owner, dataset.sharing.rawValue, dataset.level.rawValue)
            out.list(dataset.fields.sorted())
        }
        out.int(grants.count)
        for (id, grant) in grants {
            out.strings(id, grant.dataset, grant.grantee, grant.purpose, grant.from.text, grant.until.text)
            out.int(grant.seq)
            out.int(grant.revokedAt ?? -1)
            out.list(grant.fields.sorted())
        }
        out.int(grantsFor.count)
        for (key, ids) in grantsFor {
            out.string(key)
            out.list(ids)
        }
        out.int(open.count)
        for (id, sent) in open {
            out.strings(id, sent.eventID, sent.provider, sent.dataset, sent.recipient, sent.digest)
            out.int(sent.seq)
            out.int(sent.records)
            out.int(sent.due)
            out.int(sent.reportedLate ? 1 : 0)
        }
        // Only the queued exchanges still open: an acknowledged one would be skipped when reached
        // (exchange ids are never reused), and on a busy ledger they are most of the queue.
        out.list(dueQueue[dueHead...].filter { open[$0] != nil })
        return out.bytes
    }

    /// A checker in the state `bytes` (from ``snapshot()``) describes.
    /// - Throws: ``FormatError`` naming what does not read; nothing partial is returned.
    public init(snapshot bytes: [UInt8]) throws(FormatError) {
        var input = SnapshotReader(bytes: bytes)
        guard bytes.starts(with: Self.snapshotMagic) else {
            throw FormatError(.invalidValue, field: "policy state", "does not start with \"flowledger/policy-state/v1\"")
        }
        input.position = Self.snapshotMagic.count
        self.init(acknowledgementWindow: try input.int())
        for _ in 0..<(try input.count()) {
            partyKinds[try input.string()] = try input.value(PartyKind.self)
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            datasets[id] = Dataset(owner: try input.string(), sharing: try input.value(SharingClass.self),
                                   level: try input.value(SecurityLevel.self), fields: Set(try input.list()))
        }
        for _ in 0..<(try input.count()) {
            let (id, dataset, grantee, purpose) = (try input.string(), try input.string(), try input.string(), try input.string())
            let from = try input.timestamp(), until = try input.timestamp()
            let seq = try input.int(), revoked = try input.int()
            grants[id] = Grant(seq: seq, dataset: dataset, grantee: grantee, purpose: purpose, fields: Set(try input.list()),
                               from: from, until: until, revokedAt: revoked < 0 ? nil : revoked)
        }
        for _ in 0..<(try input.count()) {
            grantsFor[try input.string()] = try input.list()
        }
        for _ in 0..<(try input.count()) {
            let (id, eventID, provider, dataset, recipient, digest) = (try input.string(), try input.string(), try input.string(),
                                                                       try input.string(), try input.string(), try input.string())
            open[id] = OpenExchange(seq: try input.int(), eventID: eventID, provider: provider, dataset: dataset, recipient: recipient,
                                    records: try input.int(), digest: digest, due: try input.int(), reportedLate: try input.int() != 0)
        }
        dueQueue = try input.list()
        guard input.position == bytes.count else {
            throw FormatError(.invalidValue, field: "policy state", "has \(bytes.count - input.position) bytes after its end")
        }
    }
}

/// Appends integers and strings in the snapshot layout.
private struct SnapshotWriter {
    var bytes: [UInt8] = []

    mutating func int(_ value: some BinaryInteger) {
        withUnsafeBytes(of: Int64(value).littleEndian) { bytes += $0 }
    }

    mutating func string(_ text: String) {
        withUnsafeBytes(of: UInt32(text.utf8.count).littleEndian) { bytes += $0 }
        bytes += text.utf8
    }

    mutating func strings(_ texts: String...) {
        for text in texts { string(text) }
    }

    mutating func list(_ texts: [String]) {
        int(texts.count)
        for text in texts { string(text) }
    }
}

/// Reads the snapshot layout, checking every length against the bytes left.
private struct SnapshotReader {
    let bytes: [UInt8]
    var position = 0

    private func truncated() -> FormatError {
        FormatError(.invalidValue, field: "policy state", "ends early, at byte \(position) of \(bytes.count)")
    }

    mutating func int() throws(FormatError) -> Int64 {
        guard bytes.count - position >= 8 else { throw truncated() }
        var value: Int64 = 0
        for index in 0..<8 { value |= Int64(bytes[position + index]) << (8 * index) }
        position += 8
        return value
    }

    /// A count, which can be no larger than the bytes left (every item takes at least one).
    mutating func count() throws(FormatError) -> Int {
        let value = try int()
        guard value >= 0, value <= bytes.count - position else {
            throw FormatError(.invalidValue, field: "policy state", "count \(value) at byte \(position - 8) is impossible")
        }
        return Int(value)
    }

    mutating func string() throws(FormatError) -> String {
        guard bytes.count - position >= 4 else { throw truncated() }
        var length = 0
        for index in 0..<4 { length |= Int(bytes[position + index]) << (8 * index) }
        position += 4
        guard bytes.count - position >= length else { throw truncated() }
        defer { position += length }
        return String(decoding: bytes[position..<position + length], as: UTF8.self)
    }

    mutating func list() throws(FormatError) -> [String] {
        var out: [String] = []
        for _ in 0..<(try count()) { out.append(try string()) }
        return out
    }

    mutating func value<E: RawRepresentable>(_ type: E.Type) throws(FormatError) -> E where E.RawValue == String {
        let text = try string()
        guard let value = E(rawValue: text) else {
            throw FormatError(.invalidValue, field: "policy state", "\"\(quotedForMessage(text))\" is not a \(E.self)")
        }
        return value
    }

    mutating func timestamp() throws(FormatError) -> Timestamp {
        try Timestamp(parsing: try string(), field: "policy state")
    }
}
