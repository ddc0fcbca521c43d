import LedgerCore
import LedgerCrypto

/// An entry ``ReplayEngine`` applied to the rules, handed to its caller in seq order: for the
/// Merkle frontier, the policy fold, the projector's fold, the roots at checkpoint sizes, the
/// writer's index.
package struct AppliedEntry {
    /// The entry, parsed strictly from ``line``.
    package let entry: Entry
    /// The exact stored bytes, without the newline.
    package let line: ArraySlice<UInt8>
    /// L(seq) = H(0x00 || line), RFC 9162's leaf hash.
    package let leafHash: Hash32
    /// Where the line is (with its byte offset for segment files: ``line``'s count is its length).
    package let location: EntryLocation

    /// The entry's seq (its position in the log: the rules checked they agree).
    package var seq: Int64 { entry.seq }
}

/// What the caller of ``ReplayEngine/run(from:_:)`` wants after an applied entry.
package enum ReplayStep: Sendable {
    /// Go on with the next entry.
    case proceed
    /// Stop here (the caller found what it was looking for, or a problem of its own).
    case stop
}

/// How a run of ``ReplayEngine`` ended.
package enum ReplayOutcome: Sendable {
    /// The source ran out of lines, every one of them applied; how it ended (a torn last line is
    /// not an entry and not a break: the caller notes or cuts it).
    case finished(ReplayEnding)
    /// The first break; nothing at or after it was handed to the caller.
    case broken(ReplayBreak)
    /// The caller's handler said ``ReplayStep/stop``.
    case stopped
}
