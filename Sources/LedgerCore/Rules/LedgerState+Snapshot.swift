import LedgerCrypto

/// The writer's snapshot of the rules' state: everything but what ``RuleHistory`` keeps (every
/// (author, id) and exchange), so its size follows the parties, datasets, grants and keys of a
/// ledger, not the number of its entries.
///
/// Binary, length-prefixed, versioned; written and read field by field (no generic coders):
///
///     snapshot = "FLSTATE1" origin suite operatorID size lastLeafHash lastTime
///                parties datasets grants keys received
///
/// integers little-endian, strings and lists prefixed by their 32-bit length, optional values
/// by a presence byte. A snapshot is derived data: a reader that finds it cut, padded or of
/// another version throws, and the writer then rebuilds it from the log.
extension LedgerState {
    private static let snapshotMagic = Array("FLSTATE1".utf8)

    /// The state's snapshot. Precondition: nothing to roll back (call after ``commit()``).
    package func snapshotBytes() -> [UInt8] {
        precondition(!hasUncommittedChanges, "a snapshot with changes that may still be rolled back")
        var out = SnapshotWriter()
        out.bytes(Self.snapshotMagic)
        out.string(origin)
        out.optional(suite) { $0.string($1.rawValue) }
        out.optional(operatorID) { $0.string($1) }
        out.int(size)
        out.bytes(lastLeafHash.bytes)
        out.optional(lastTime) { $0.int($1.microsecondsSinceEpoch) }
        out.list(parties.values.sorted { $0.id < $1.id }) { out, party in
            out.string(party.id)
            out.string(party.kind.rawValue)
            out.list(party.roles) { $0.string($1.rawValue) }
            out.bool(party.isOperator)
            out.string(party.keyID)
            out.bool(party.suspended)
        }
        out.list(datasets.sorted { $0.key < $1.key }) { out, item in
            out.string(item.key)
            out.string(item.value.owner)
            out.list(item.value.fields) { $0.string($1) }
        }
        out.list(grants.sorted { $0.key < $1.key }) { out, item in
            out.string(item.key)
            out.string(item.value.dataset)
            out.string(item.value.owner)
            out.optional(item.value.revokedAt) { $0.int($1) }
        }
        out.list(keys.sorted { $0.key < $1.key }) { out, item in
            out.string(item.value.party)
            out.string(item.value.key.string)
            out.optional(item.value.retiredAt) { $0.int($1) }
        }
        out.list(received.sorted { ($0.party, $0.dataset) < ($1.party, $1.dataset) }) { out, pair in
            out.string(pair.party)
            out.string(pair.dataset)
        }
        return out.output
    }

    /// The rows of the rules' history held in memory (``recentEventCount``), as the full state
    /// writes them (`names events exchanges`, ``writeFull(to:)``): kept beside the snapshot by a
    /// writer that closes without writing them to its history, which costs a sequential write of
    /// these rows instead of one all over the history's B-tree.
    /// Precondition: nothing to roll back (call after ``commit()``).
    package func recentRowsBytes() -> [UInt8] {
        precondition(!hasUncommittedChanges, "history rows with changes that may still be rolled back")
        var out = SnapshotWriter()
        out.reserveCapacity(rowsSizeEstimate)
        writeRows(to: &out)
        return out.output
    }

    /// The state a snapshot describes, with `recentRows` (``recentRowsBytes()``, empty for none)
    /// in memory and `history` answering for every other (author, id) and exchange up to its
    /// position.
    /// - Throws: ``FormatError`` when the bytes are not a whole snapshot of this version.
    package init(snapshot: [UInt8], recentRows: [UInt8], history: any RuleHistory) throws(FormatError) {
        try self.init(snapshot: snapshot, history: history)
        guard !recentRows.isEmpty else { return }
        var input = SnapshotReader(recentRows)
        try readRows(from: &input)
        guard input.atEnd else {
            throw FormatError(.invalidValue, field: "snapshot.rows", "has \(input.remaining) bytes after its last field")
        }
    }

    /// The state a snapshot describes, with `history` answering for every (author, id) and
    /// exchange up to its position.
    /// - Throws: ``FormatError`` when the bytes are not a whole snapshot of this version.
    package init(snapshot: [UInt8], history: any RuleHistory) throws(FormatError) {
        var input = SnapshotReader(snapshot)
        guard try input.bytes(Self.snapshotMagic.count) == Self.snapshotMagic else {
            throw FormatError(.invalidValue, field: "snapshot", "is not a FlowLedger state snapshot of version 1")
        }
        self.init(origin: try input.string())
        suite = try input.optional { input throws(FormatError) in
            let name = try input.string()
            guard let suite = Suite(rawValue: name) else { throw FormatError(.invalidValue, field: "snapshot.suite", "unknown suite \(name)") }
            return suite
        }
        operatorID = try input.optional { input throws(FormatError) in try input.string() }
        size = try input.int()
        lastLeafHash = try input.bytes(32).withUnsafeBytes { Hash32(copying: $0) }
        lastTime = try input.optional { input throws(FormatError) in Timestamp(microsecondsSinceEpoch: try input.int()) }
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            let kindName = try input.string()
            guard let kind = PartyKind(rawValue: kindName) else { throw FormatError(.invalidValue, field: "snapshot.parties", "unknown kind \(kindName)") }
            var roles: [PartyRole] = []
            for _ in 0..<(try input.count()) {
                let name = try input.string()
                guard let role = PartyRole(rawValue: name) else { throw FormatError(.invalidValue, field: "snapshot.parties", "unknown role \(name)") }
                roles.append(role)
            }
            parties[id] = Party(id: id, kind: kind, roles: roles, isOperator: try input.bool(), keyID: try input.string(), suspended: try input.bool())
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            let owner = try input.string()
            var fields: [String] = []
            for _ in 0..<(try input.count()) { fields.append(try input.string()) }
            datasets[id] = Dataset(owner: owner, fields: fields)
        }
        for _ in 0..<(try input.count()) {
            let id = try input.string()
            grants[id] = Grant(dataset: try input.string(), owner: try input.string(),
                               revokedAt: try input.optional { input throws(FormatError) in try input.int() })
        }
        for _ in 0..<(try input.count()) {
            let party = try input.string()
            let text = try input.string()
            let key: PublicKey
            do { key = try PublicKey(string: text) } catch { throw FormatError(.invalidValue, field: "snapshot.keys", "\(error)") }
            keys[key.keyID] = (party, key, try input.optional { input throws(FormatError) in try input.int() })
        }
        for _ in 0..<(try input.count()) {
            received.insert(PartyDataset(party: try input.string(), dataset: try input.string()))
        }
        guard input.atEnd else {
            throw FormatError(.invalidValue, field: "snapshot", "has \(input.remaining) bytes after its last field")
        }
        attach(history: history)
    }
}

/// Appends a snapshot's fields (see ``LedgerState/snapshotBytes()``): integers little-endian,
/// strings and lists prefixed by their 32-bit length, optional values by a presence byte. Also
/// the stream the verifier's saved state is written in (``LedgerState/writeFull(to:)``).
package struct SnapshotWriter {
    /// The bytes written so far.
    package private(set) var output: [UInt8] = []

    /// A writer with nothing written yet.
    package init() {}

    /// The number of bytes written so far.
    package var count: Int { output.count }
    /// Makes room for `capacity` bytes in all, so a large part is written without regrowing.
    package mutating func reserveCapacity(_ capacity: Int) { output.reserveCapacity(capacity) }

    package mutating func bytes(_ value: [UInt8]) { output += value }
    package mutating func int(_ value: Int64) {
        for shift in stride(from: 0, to: 64, by: 8) { output.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> UInt64(shift))) }
    }
    package mutating func count(_ value: Int) {
        for shift in stride(from: 0, to: 32, by: 8) { output.append(UInt8(truncatingIfNeeded: UInt32(value) >> UInt32(shift))) }
    }
    package mutating func bool(_ value: Bool) { output.append(value ? 1 : 0) }
    package mutating func string(_ value: String) {
        count(value.utf8.count)
        output += value.utf8
    }
    package mutating func optional<T>(_ value: T?, _ write: (inout SnapshotWriter, T) -> Void) {
        bool(value != nil)
        if let value { write(&self, value) }
    }
    package mutating func list<C: Collection>(_ items: C, _ write: (inout SnapshotWriter, C.Element) -> Void) {
        count(items.count)
        for item in items { write(&self, item) }
    }
}

/// Reads a snapshot's fields back (``SnapshotWriter``); every read is bounds-checked.
package struct SnapshotReader {
    private let input: ArraySlice<UInt8>
    /// Bytes read so far.
    private var position = 0

    /// A reader of `input` from its start.
    package init(_ input: [UInt8]) { self.input = input[...] }
    /// A reader of `input` from its start.
    package init(_ input: ArraySlice<UInt8>) { self.input = input }

    /// Whether every byte was read.
    package var atEnd: Bool { position == input.count }
    /// The bytes not read yet.
    package var remaining: Int { input.count - position }

    package mutating func bytes(_ count: Int) throws(FormatError) -> [UInt8] {
        Array(try slice(count))
    }
    /// The next `count` bytes, in place.
    package mutating func slice(_ count: Int) throws(FormatError) -> ArraySlice<UInt8> {
        guard count >= 0, count <= remaining else {
            throw FormatError(.invalidValue, field: "snapshot", "ends at byte \(input.count) inside a field that needs \(count) more bytes")
        }
        defer { position += count }
        let start = input.startIndex + position
        return input[start..<(start + count)]
    }
    package mutating func int() throws(FormatError) -> Int64 {
        guard remaining >= 8 else { _ = try slice(8); return 0 }  // slice(8) throws the error
        let start = input.startIndex + position
        var value: UInt64 = 0
        for index in 0..<8 { value |= UInt64(input[start + index]) << UInt64(8 * index) }
        position += 8
        return Int64(bitPattern: value)
    }
    package mutating func count() throws(FormatError) -> Int {
        var value: UInt32 = 0
        for (index, byte) in try slice(4).enumerated() { value |= UInt32(byte) << UInt32(8 * index) }
        guard Int(value) <= remaining else {
            throw FormatError(.invalidValue, field: "snapshot", "a length of \(value) at byte \(position - 4) runs past the end")
        }
        return Int(value)
    }
    package mutating func bool() throws(FormatError) -> Bool {
        switch try slice(1).first! {
        case 0: return false
        case 1: return true
        case let other: throw FormatError(.invalidValue, field: "snapshot", "byte \(position - 1) is \(other), not a flag")
        }
    }
    package mutating func string() throws(FormatError) -> String {
        let raw = try slice(try count())
        guard let text = String(validating: raw, as: UTF8.self) else {
            throw FormatError(.invalidValue, field: "snapshot", "a text before byte \(position) is not UTF-8")
        }
        return text
    }
    package mutating func optional<T>(_ read: (inout SnapshotReader) throws(FormatError) -> T) throws(FormatError) -> T? {
        try bool() ? try read(&self) : nil
    }
}
