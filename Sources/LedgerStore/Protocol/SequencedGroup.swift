import LedgerCore
import LedgerCrypto

/// What the sequencer hands a store to keep: consecutive entries from ``firstSeq`` with their
/// leaf hashes, and the Merkle stored hashes they add to the tree (Go tlog order, from stored
/// index ``firstStoredIndex``).
package struct SequencedGroup: Sendable {
    /// Seq of the first entry.
    package let firstSeq: Int64
    /// The entries' lines, each followed by `\n`, back to back.
    package let bytes: [UInt8]
    /// Each line's length without its newline.
    package let lengths: [Int64]
    /// Each entry's leaf hash, L(n) = H(0x00 || line).
    package let leafHashes: [Hash32]
    /// The stored hashes the entries add to the tree.
    package let storedHashes: [Hash32]
    /// Stored index of the first of ``storedHashes``: ``StoredHashes/count(size:)`` of ``firstSeq``.
    package let firstStoredIndex: Int64

    /// The number of entries.
    package var count: Int { lengths.count }
}
