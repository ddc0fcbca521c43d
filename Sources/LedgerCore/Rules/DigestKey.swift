import LedgerCrypto

/// 128 bits of SHA-256 over a string's parts joined by newlines: a fixed 16-byte key for the
/// tables that hold a row for every entry or exchange, small enough to keep for millions of
/// them, whatever the length of the ids. Two different ids share a key with probability about
/// n² / 2¹²⁹ — for a billion ids, under 10⁻²⁰.
///
///     key(author, id) = SHA-256(author || "\n" || id)[0..<16]
///     key(id)         = SHA-256(id)[0..<16]
struct DigestKey: Hashable, Sendable {
    let high: UInt64
    let low: UInt64

    /// The key of `parts`, joined with "\n" (no part contains one: ids are restricted to
    /// `[A-Za-z0-9._:-]`, party ids to `[a-z0-9.-]`).
    init(_ parts: String...) {
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

/// A dictionary over ``DigestKey`` split into 16 shards by the key's top bits. Each shard grows
/// on its own, so growing never holds two copies of the whole table: a single Swift dictionary
/// of a million rows briefly needs its old and its doubled storage, tens of MiB at once.
struct ShardedTable<Value: Sendable>: Sendable {
    private var shards = [[DigestKey: Value]](repeating: [:], count: 16)

    /// The row for `key`.
    subscript(key: DigestKey) -> Value? {
        get { shards[key.shard][key] }
        set { shards[key.shard][key] = newValue }
    }

    /// Makes room for about `count` rows in all.
    mutating func reserveCapacity(_ count: Int) {
        for index in shards.indices { shards[index].reserveCapacity(count / shards.count + 1) }
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
}
