import LedgerCrypto

/// The whole state of the rules, history included — every (author, id) and exchange, which the
/// writer's snapshot leaves to its ``RuleHistory`` — for a verifier that remembers where it
/// stopped (`verify --remember`) and goes on from there next time without replaying the log.
///
/// Binary, length-prefixed, versioned, written and read field by field like the snapshot:
///
///     full = "FLSTATEALL1" snapshot names events exchanges
///     events    = count (keyHigh keyLow seq)*
///     exchanges = count (keyHigh keyLow names receivedAt)*
///
/// (`names`: the dataset's index in the high 32 bits, the recipient's in the low; `receivedAt`
/// -1 while not acknowledged)
///
/// with `snapshot` the writer's snapshot (``snapshotBytes()``) prefixed by its length and
/// `names` the list the exchange rows index into. Its size follows the number of events.
extension LedgerState {
    private static let fullSnapshotMagic = Array("FLSTATEALL1".utf8)

    /// The size of what ``writeFull(to:)`` writes, within a few bytes per name.
    package var fullSnapshotSizeEstimate: Int {
        Self.fullSnapshotMagic.count + 4 + 4096 + 64 * (parties.count + datasets.count + grants.count + keys.count + received.count)
            + rowsSizeEstimate
    }

    /// The size of what ``writeRows(to:)`` writes, within a few bytes per name.
    var rowsSizeEstimate: Int {
        names.all.reduce(4) { $0 + 4 + $1.utf8.count } + 4 + 24 * eventSeqs.count + 4 + 32 * exchangeRows.count
    }

    /// Writes the whole state to `out`.
    /// Precondition: no history attached (every row is in memory) and nothing to roll back.
    package func writeFull(to out: inout SnapshotWriter) {
        precondition(history == nil, "a full snapshot of a state whose history is kept elsewhere")
        out.bytes(Self.fullSnapshotMagic)
        let snapshot = snapshotBytes()
        out.count(snapshot.count)
        out.bytes(snapshot)
        writeRows(to: &out)
    }

    /// Writes `names events exchanges` (see the type's documentation) of the rows in memory.
    func writeRows(to out: inout SnapshotWriter) {
        out.list(names.all) { $0.string($1) }
        out.count(eventSeqs.count)
        eventSeqs.forEach { key, seq in
            out.int(Int64(bitPattern: key.high))
            out.int(Int64(bitPattern: key.low))
            out.int(seq)
        }
        out.count(exchangeRows.count)
        exchangeRows.forEach { key, row in
            out.int(Int64(bitPattern: key.high))
            out.int(Int64(bitPattern: key.low))
            out.int(Int64(bitPattern: UInt64(row.dataset) << 32 | UInt64(row.recipient)))
            out.int(row.receivedAt)
        }
    }

    /// The state ``writeFull(to:)`` wrote, read from `input` (which goes on after it).
    /// - Throws: ``FormatError`` when the bytes are not a whole full snapshot of this version.
    package init(full input: inout SnapshotReader) throws(FormatError) {
        guard try input.bytes(Self.fullSnapshotMagic.count) == Self.fullSnapshotMagic else {
            throw FormatError(.invalidValue, field: "state", "is not a FlowLedger full state of version 1")
        }
        try self.init(snapshot: try input.bytes(try input.count()), history: NoHistory())
        history = nil
        try readRows(from: &input)
    }

    /// Reads what ``writeRows(to:)`` wrote into the tables (empty before).
    mutating func readRows(from input: inout SnapshotReader) throws(FormatError) {
        let nameCount = try input.count()
        for _ in 0..<nameCount { _ = names.index(try input.string()) }
        guard names.all.count == nameCount else { throw FormatError(.invalidValue, field: "state.names", "names a dataset or party twice") }
        let events = try input.count()
        eventSeqs.reserveCapacity(events)
        for _ in 0..<events {
            let key = DigestKey(high: UInt64(bitPattern: try input.int()), low: UInt64(bitPattern: try input.int()))
            eventSeqs[key] = try input.int()
        }
        let exchanges = try input.count()
        // Rows come in slot order: growing while inserting them would cluster them badly.
        exchangeRows.reserveCapacity(exchanges)
        for _ in 0..<exchanges {
            let key = DigestKey(high: UInt64(bitPattern: try input.int()), low: UInt64(bitPattern: try input.int()))
            let pair = UInt64(bitPattern: try input.int())
            let dataset = Int(pair >> 32), recipient = Int(pair & 0xFFFF_FFFF)
            guard dataset < nameCount, recipient < nameCount else {
                throw FormatError(.invalidValue, field: "state.exchanges", "an exchange names a dataset or party beyond the \(nameCount) names")
            }
            exchangeRows[key] = ExchangeRow(dataset: UInt32(dataset), recipient: UInt32(recipient), receivedAt: try input.int())
        }
    }
}

/// The history of a state that keeps every row in memory: nothing older to ask.
private final class NoHistory: RuleHistory {
    func eventSeq(_ key: DigestKey) -> Int64? { nil }
    func exchange(_ key: DigestKey) -> LedgerState.Exchange? { nil }
}
