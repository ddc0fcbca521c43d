import LedgerCrypto

/// 128 bits of SHA-256 over a string's parts joined by newlines: a fixed 16-byte key for the
/// tables that hold a row for every entry or exchange, small enough to keep for millions of
/// them, whatever the length of the ids. Two different ids share a key with probability about
/// n² / 2¹²⁹ — for a billion ids, under 10⁻²⁰.
///
///     key(author, id) = SHA-256(author || "\n" || id)[0..<16]
///     key(id)         = SHA-256(id)[0..<16]
package struct DigestKey: Hashable, Sendable {
    package let high: UInt64
    package let low: UInt64

    /// A key from its two halves.
    package init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    /// The key of `parts`, joined with "\n" (no part contains one: ids are restricted to
    /// `[A-Za-z0-9._:-]`, party ids to `[a-z0-9.-]`).
    package init(_ parts: String...) {
        var context = HashContext(.sha256)
        for (index, part) in parts.enumerated() {
            if index > 0 { context.update(byte: 0x0a) }
            context.update(part.utf8)
        }
        let digest = context.finish()
        high = digest.storage.0
        low = digest.storage.1
    }

    /// Which of 16 shards the key belongs to (its top 4 bits: SHA-256 output is uniform).
    var shard: Int { Int(high >> 60) }
}

/// A table over ``DigestKey`` split into 16 shards by the key's top bits, each a
/// ``DigestTable``: every shard grows on its own, so growing never holds two copies of the whole
/// table (a single table of a million rows would briefly need its old and its new storage).
struct ShardedTable<Value: Sendable>: Sendable {
    private var shards: [DigestTable<Value>]

    /// An empty table; `placeholder` fills unused slots (it is never returned).
    init(placeholder: Value) { shards = Array(repeating: DigestTable(placeholder: placeholder), count: 16) }

    /// The row for `key`.
    subscript(key: DigestKey) -> Value? {
        get { shards[key.shard][key] }
        set { shards[key.shard][key] = newValue }
    }

    /// Makes room for about `count` rows in all.
    mutating func reserveCapacity(_ count: Int) {
        for index in shards.indices { shards[index].reserveCapacity(count / shards.count + 1) }
    }

    /// The number of rows.
    var count: Int { shards.reduce(0) { $0 + $1.count } }

    /// Calls `body` with every row, in no particular order.
    func forEach(_ body: (DigestKey, Value) -> Void) {
        for shard in shards { shard.forEach(body) }
    }
}

/// Open addressing with linear probing over ``DigestKey``s, which are uniform already, so a key's
/// home slot is ⌊low64(key) · capacity / 2⁶⁴⌋ with no further hashing. Capacity grows ×1.5 once
/// the load passes 3/4, so rows of 24 bytes (a key and an Int64) cost 32–48 bytes each, where a
/// Swift Dictionary's power-of-two capacity can leave it under 40% full (60+ bytes a row).
/// Removal shifts the rows after it back (no tombstones), so lookups stay short after rollbacks.
struct DigestTable<Value: Sendable>: Sendable {
    private var keys: [DigestKey]
    private var values: [Value]
    private var used: [Bool]
    private let placeholder: Value
    /// The number of rows.
    private(set) var count = 0

    /// An empty table; `placeholder` fills unused slots (it is never returned).
    init(placeholder: Value) {
        self.placeholder = placeholder
        keys = []
        values = []
        used = []
    }

    private var capacity: Int { used.count }

    private func home(_ key: DigestKey) -> Int { Int(key.low.multipliedFullWidth(by: UInt64(capacity)).high) }

    /// The slot holding `key`, or the empty slot where it would go.
    private func slot(of key: DigestKey) -> (index: Int, found: Bool) {
        var index = home(key)
        while used[index] {
            if keys[index] == key { return (index, true) }
            index = index + 1 == capacity ? 0 : index + 1
        }
        return (index, false)
    }

    /// The row for `key`; setting nil removes it.
    subscript(key: DigestKey) -> Value? {
        get {
            guard capacity > 0 else { return nil }
            let (index, found) = slot(of: key)
            return found ? values[index] : nil
        }
        set {
            if let newValue { insert(key, newValue) } else { remove(key) }
        }
    }

    private mutating func insert(_ key: DigestKey, _ value: Value) {
        if (count + 1) * 4 > capacity * 3 { resize(to: max(16, capacity * 3 / 2, (count + 1) * 4 / 3 + 1)) }
        let (index, found) = slot(of: key)
        if !found {
            keys[index] = key
            used[index] = true
            count += 1
        }
        values[index] = value
    }

    private mutating func remove(_ key: DigestKey) {
        guard capacity > 0 else { return }
        var (hole, found) = slot(of: key)
        guard found else { return }
        // Backward shift: move each later row of the run into the hole unless its home lies
        // cyclically in (hole, next], where it would no longer be found.
        var next = hole
        while true {
            next = next + 1 == capacity ? 0 : next + 1
            guard used[next] else { break }
            let start = home(keys[next])
            let stays = hole <= next ? (hole < start && start <= next) : (hole < start || start <= next)
            if stays { continue }
            keys[hole] = keys[next]
            values[hole] = values[next]
            hole = next
        }
        used[hole] = false
        values[hole] = placeholder
        count -= 1
    }

    /// Calls `body` with every row, in slot order.
    func forEach(_ body: (DigestKey, Value) -> Void) {
        for index in used.indices where used[index] { body(keys[index], values[index]) }
    }

    /// Makes room for `rows` rows without growing.
    mutating func reserveCapacity(_ rows: Int) {
        let needed = rows * 4 / 3 + 1
        if needed > capacity { resize(to: needed) }
    }

    private mutating func resize(to newCapacity: Int) {
        let oldKeys = keys, oldValues = values, oldUsed = used
        keys = Array(repeating: DigestKey(high: 0, low: 0), count: newCapacity)
        values = Array(repeating: placeholder, count: newCapacity)
        used = Array(repeating: false, count: newCapacity)
        for index in oldUsed.indices where oldUsed[index] {
            let (slot, _) = slot(of: oldKeys[index])
            keys[slot] = oldKeys[index]
            values[slot] = oldValues[index]
            used[slot] = true
        }
    }
}

/// Strings stored once and referred to by a 4-byte index: the dataset and party ids of millions
/// of exchange rows are a few hundred distinct names.
struct NameTable: Sendable {
    private var names: [String] = []
    private var indexes: [String: UInt32] = [:]

    /// The index of `name`, adding it if new (names are never removed; an unused one is harmless).
    mutating func index(_ name: String) -> UInt32 {
        if let index = indexes[name] { return index }
        let index = UInt32(names.count)
        names.append(name)
        indexes[name] = index
        return index
    }

    /// The name at `index`.
    subscript(index: UInt32) -> String { names[Int(index)] }

    /// Every name, by index.
    var all: [String] { names }
}
