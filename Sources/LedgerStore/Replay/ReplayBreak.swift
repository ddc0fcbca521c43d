import LedgerCore
import LedgerCrypto

/// The first place where a replayed log stops being intact, with the evidence, in store-neutral
/// terms (an ``EntryLocation``): each caller turns it into its own report (`verify`'s
/// `IntegrityBreak`, the projector's and `tail`'s messages, the writer's `StoreError`).
package enum ReplayBreak: Error, Sendable, CustomStringConvertible {
    /// The store's list of segments is not a log at all (`message` says why: a stray file in
    /// `log/`, no genesis segment).
    case layout(message: String)
    /// Segment `file` is named for seq `firstSeq`, but the segments before it end at
    /// `expectedSeq`: entries are missing (`firstSeq` > `expectedSeq`) or segments overlap.
    case segmentOutOfPlace(file: String, firstSeq: Int64, expectedSeq: Int64)
    /// A segment that is not the last ends in `bytes` bytes with no newline: only the very last
    /// line of the log can be torn by a crash, so this segment was cut or damaged. `at` is where
    /// the torn line starts.
    case tornLine(at: EntryLocation, bytes: Int64)
    /// A line longer than ``CanonicalJSON/maxLineBytes`` (DESIGN §4) starts at `at`.
    case oversizedLine(at: EntryLocation)
    /// The line at `at` is not exactly the canonical JSON of an entry.
    case malformedLine(FormatError, at: EntryLocation)
    /// The genesis entry does not describe the ledger the caller expects.
    case genesisMismatch(GenesisMismatch, entry: Entry, at: EntryLocation)
    /// The entry breaks an integrity rule (DESIGN §7), its signature included.
    case rule(RuleViolation, BrokenEntry)

    /// The entry at a rule break, with what a diagnosis needs around it.
    package struct BrokenEntry: Sendable {
        /// The entry that breaks the rule.
        package let entry: Entry
        /// Its leaf hash L(n) = H(0x00 || line).
        package let leafHash: Hash32
        /// Where it is.
        package let location: EntryLocation
        /// The last entry applied before it, and where it is.
        package let previous: (location: EntryLocation, entry: Entry)?
        /// The line after it, parsed, when it was read in the same window (to tell a swap or a
        /// changed entry from a removed one).
        package let next: Entry?
    }

    /// Where the break is, when it concerns one line.
    package var location: EntryLocation? {
        switch self {
        case .layout, .segmentOutOfPlace: nil
        case .tornLine(let at, _), .oversizedLine(let at), .malformedLine(_, let at), .genesisMismatch(_, _, let at): at
        case .rule(_, let broken): broken.location
        }
    }

    /// What is broken and where, in one sentence (the caller adds what to do).
    package var description: String {
        switch self {
        case .layout(let message):
            return message
        case .segmentOutOfPlace(let file, let firstSeq, let expectedSeq):
            let why = firstSeq > expectedSeq
                ? "entr\(firstSeq - expectedSeq == 1 ? "y \(expectedSeq) is" : "ies \(expectedSeq)…\(firstSeq - 1) are") missing (a segment file was deleted or renamed)"
                : "it overlaps the segments before it, which end at entry \(expectedSeq - 1) (a segment file was renamed or copied)"
            return "\(file) is named for seq \(firstSeq) but the segments before it end at seq \(expectedSeq - 1): \(why)"
        case .tornLine(let at, let bytes):
            return "\(at.file ?? "the log") ends with \(bytes) bytes that are not a complete line but it is not the last segment; only the last line of the last segment can be torn by a crash"
        case .oversizedLine(let at):
            return "\(at): a line longer than the \(CanonicalJSON.maxLineBytes)-byte limit"
        case .malformedLine(let error, let at):
            return "\(at): the line is not a valid entry: \(error)"
        case .genesisMismatch(let mismatch, _, let at):
            return "\(at): the genesis entry's \(mismatch.field) is \(mismatch.found), but the ledger's is \(mismatch.expected)"
        case .rule(let violation, let broken):
            return "\(broken.location): \(violation.message)"
        }
    }
}
