import LedgerCore
import LedgerCrypto
import LedgerStore

/// Turns the integrity rule an entry breaks into a report a regulator can act on: which entry is
/// at fault (not always the one where the break shows), what was expected and found, and what
/// that means.
///
/// A changed `time` in entry n-1 shows only at entry n, whose `prev` no longer matches; if entry
/// n+1 still chains to entry n, entry n is intact and entry n-1 is the one that was changed.
struct BreakDiagnosis {
    /// The state before the entry that breaks the rule.
    let state: LedgerState
    /// The last entry applied before it, and where.
    let previous: (location: EntryLocation, entry: Entry)?
    /// The next line's entry, when it was read in the same window and parses.
    let next: Entry?

    /// The report of `violation` by `entry` (leaf hash `leaf`) at `location` in a segment file.
    func explain(_ violation: RuleViolation, entry: Entry, leaf: Hash32, at location: EntryLocation) -> IntegrityBreak {
        let file = location.file ?? "log/"
        let line = location.line ?? 0
        let event = entry.event
        let seq = entry.seq
        func at(_ expected: String?, _ found: String?, _ meaning: String) -> IntegrityBreak {
            IntegrityBreak(kind: IntegrityBreak.Kind(violation.code), file: file, line: line, seq: seq, eventID: event.id, author: event.author,
                           field: violation.field, expected: expected, found: found, meaning: meaning, detail: violation.message)
        }
        switch violation.code {
        case .sequenceGap:
            let expected = state.size
            if seq == expected + 1, let following = next, following.seq == expected {
                return at("seq \(expected)", "seq \(seq)", "entries \(expected) and \(seq) were swapped: line \(line) of \(file) holds entry \(seq) and the next line entry \(expected)")
            }
            if seq > expected {
                return at("seq \(expected)", "seq \(seq)", "entr\(seq - expected == 1 ? "y \(expected) is" : "ies \(expected)…\(seq - 1) are") missing where line \(line) of \(file) stands: deleted, or moved elsewhere in the log")
            }
            if let previous, previous.entry.seq == seq {
                return at("seq \(expected)", "seq \(seq)", "entry \(seq) appears twice (lines \(previous.location.line ?? 0) and \(line) of \(file)): a line was duplicated")
            }
            return at("seq \(expected)", "seq \(seq)", "entry \(seq) stands where entry \(expected) belongs: entries were swapped or moved")

        case .brokenChain:
            let nextChainsHere = next?.prev == leaf
            if nextChainsHere, let previous {
                return IntegrityBreak(kind: IntegrityBreak.Kind(violation.code), file: previous.location.file ?? file, line: previous.location.line, seq: previous.entry.seq,
                                      eventID: previous.entry.event.id, author: previous.entry.event.author, field: "",
                                      expected: "entry \(seq - 1) hashing to \(entry.prev.hex), as the prev of entry \(seq) (\(file) line \(line)) records",
                                      found: "entry \(seq - 1) hashes to \(state.lastLeafHash.hex)",
                                      meaning: "entry \(seq - 1) was changed after it was written: its hash no longer matches the prev of entry \(seq) (its signed event still verifies, so an unsigned part such as its time was edited, or it was replaced by another entry)",
                                      detail: violation.message)
            }
            return at("prev \(state.lastLeafHash.hex) (the hash of entry \(seq - 1))", "prev \(entry.prev.hex)",
                      "the chain breaks between entry \(seq - 1) and entry \(seq): entry \(seq) was changed or inserted, or entries before it were removed or replaced")

        case .timeWentBackwards:
            return at("time at or after \(state.lastTime?.text ?? "?") (entry \(seq - 1))", "time \(entry.time.text)",
                      "entry \(seq)'s ledger time is earlier than the entry before it; the ledger never assigns a decreasing time, so the time was edited or entries were moved")

        case .badSignature:
            let key = state.keys[event.keyID]
            return at("a signature by key \(event.keyID)\(key.map { " of \($0.party)" } ?? "") over this event", "a signature that does not verify",
                      "entry \(seq)'s event was changed after \(event.author) signed it, or its signature was replaced (forged, or copied from another entry)")

        case .unknownKey:
            let current = state.parties[event.author]?.keyID
            return at(current.map { "key \($0) (the current key of \(event.author))" }, "key \(event.keyID)",
                      "entry \(seq) is signed with a key that \(event.author) never registered in this ledger: it was forged, or appended around the writer")

        case .retiredKey:
            return at(state.parties[event.author].map { "key \($0.keyID) (current)" }, "key \(event.keyID) (retired)",
                      "entry \(seq) is signed with a key \(event.author) had already retired: it was written after the rotation with an old (possibly stolen) key, or inserted")

        case .unknownAuthor, .suspendedAuthor:
            return at(nil, "author \(event.author)",
                      "entry \(seq) is written by a party that could not write at that position; the writer refuses such events, so it was inserted around it")

        case .idConflict:
            return at("a new event id for \(event.author)", "event id \"\(quotedForMessage(event.id))\" used before",
                      "entry \(seq) reuses an event id \(event.author) already used: an event was replayed or duplicated into the log")

        case .malformedLine:
            return at(nil, nil, "entry \(seq) is not a valid entry")

        default:
            return at(nil, nil, "entry \(seq) breaks integrity rule \(violation.rule) (\(violation.code)); the writer refuses such events, so it was written around the writer or edited afterwards")
        }
    }
}
