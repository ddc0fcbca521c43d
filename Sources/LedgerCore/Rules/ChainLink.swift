import LedgerCrypto

/// The order of DESIGN §5 alone — `seq` increases by exactly 1, `prev` of entry n is
/// L(n-1) = H(0x00 || line n-1), `time` never decreases — from any position, without the rest of
/// the state: what a reader that resumes in the middle of the log (the projector) can check.
/// ``LedgerState/replay(_:leafHash:signature:)`` checks these three through it first, then every
/// other rule from genesis on.
package struct ChainLink: Sendable, Equatable {
    /// The entries before the next one: the seq it must have.
    package private(set) var size: Int64
    /// L(size-1), which the next entry's `prev` must be (zero before genesis); nil when unknown,
    /// and then not checked.
    package private(set) var lastLeafHash: Hash32?
    /// The time of entry size-1, which the next entry's may not precede; nil when unknown or
    /// before genesis.
    package private(set) var lastTime: Timestamp?

    /// The position after `size` entries, the last with leaf hash `lastLeafHash` and time
    /// `lastTime` (nil: unknown, not checked). `ChainLink(size: 0, lastLeafHash: .zero)` is the
    /// position before genesis.
    package init(size: Int64, lastLeafHash: Hash32? = nil, lastTime: Timestamp? = nil) {
        self.size = size
        self.lastLeafHash = lastLeafHash
        self.lastTime = lastTime
    }

    /// Moves past `entry` (whose leaf hash is `leafHash`) if it follows.
    /// - Throws: the ``RuleViolation`` of rule 1 it breaks (`sequenceGap`, `brokenChain`,
    ///   `timeWentBackwards`); the position is unchanged.
    package mutating func follow(_ entry: Entry, leafHash: Hash32) throws(RuleViolation) {
        let event = entry.event
        guard entry.seq == size else {
            throw RuleViolation(.sequenceGap, seq: entry.seq, eventID: event.id, author: event.author, field: "seq",
                                "expected seq \(size) after the previous entry, found \(entry.seq)")
        }
        if let lastLeafHash, entry.prev != lastLeafHash {
            throw RuleViolation(.brokenChain, seq: entry.seq, eventID: event.id, author: event.author, field: "prev",
                                "prev is \(entry.prev.hex) but the previous entry's leaf hash is \(lastLeafHash.hex): an entry before this one was changed, removed or inserted")
        }
        if let lastTime, entry.time < lastTime {
            throw RuleViolation(.timeWentBackwards, seq: entry.seq, eventID: event.id, author: event.author, field: "time",
                                "time \(entry.time) is before the previous entry's time \(lastTime); ledger time never decreases")
        }
        size += 1
        lastLeafHash = leafHash
        lastTime = entry.time
    }
}
