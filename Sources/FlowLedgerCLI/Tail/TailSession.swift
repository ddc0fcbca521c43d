import FlowLedger
import LedgerStore

/// What `flowledger tail` does with each batch of entries the follower hands it: stop at
/// `--until`, stop at `--max-events`, check them (`--verify`), print the ones the filter takes in
/// one write, then record the position (`--cursor-file`). Printing before recording means a
/// restart after a kill repeats at most the batch in flight and never skips one.
struct TailSession {
    /// Where a break `--verify` finds is (nil for a served ledger, whose follower checks entries itself).
    let locator: BreakLocator?
    let filter: TailFilter
    let formatter: EntryFormatter
    /// Entries after this ledger time end the session (`--until`).
    let until: Timestamp?
    /// Printed entries that end the session (`--max-events`).
    let maxEvents: Int?
    let cursor: CursorFile?
    /// Checks every entry from genesis on (`--verify`); already caught up to the first batch.
    var verifier: IncrementalVerifier?
    /// Entries printed so far.
    private(set) var printed = 0

    /// Prints what the user asked for from `batch` (consecutive entries, oldest first).
    /// - Returns: false when the session is over: `--until` or `--max-events` reached, or stdout
    ///   closed (EPIPE, e.g. `| head`), which is a normal end, not an error.
    /// - Throws: a failure with exit 1 at a break found by `--verify`, after printing the
    ///   entries before it.
    mutating func take(_ batch: [StoredEntry]) throws -> Bool {
        var entries = batch[...]
        var over = false
        if let until, let later = entries.firstIndex(where: { $0.entry.time > until }) {
            entries = entries[..<later]
            over = true
        }
        if let maxEvents {
            var wanted = maxEvents - printed
            for index in entries.indices where filter.matches(entries[index].entry) {
                wanted -= 1
                if wanted == 0 {
                    entries = entries[...index]
                    over = true
                    break
                }
            }
        }
        var broken: RuleViolation?
        if verifier != nil {
            let (valid, violation) = verifier!.check(Array(entries))
            entries = entries.prefix(valid)
            broken = violation
        }
        var text: [UInt8] = []
        for stored in entries where filter.matches(stored.entry) {
            text += formatter.line(stored)
            printed += 1
        }
        guard Output.bytes(text) else { return false }
        if let last = entries.last { try cursor?.write(last.seq + 1) }
        if let broken { throw Self.failure(broken, locator: locator!) }
        return !over
    }

    /// The error for a break found by `--verify`: where it is, which rule, what to do (exit 1).
    static func failure(_ violation: RuleViolation, locator: BreakLocator) -> CommandFailure {
        CommandFailure("\(locator.location(violation.seq)): the ledger does not verify: \(violation); tail --verify stopped before this entry (the ones printed before it verify); \(locator.fullReport)", exit: .rejected)
    }
}

/// Where an entry of the ledger `tail` reads is, in messages: a file and line for a directory,
/// a seq for a store; and what to run for a full report.
struct BreakLocator: Sendable {
    /// The place of entry `seq`.
    let location: @Sendable (Int64) -> String
    /// What to run for a full report.
    let fullReport: String

    /// A ledger directory's entries, by segment file and line.
    init(reader: LedgerReader) {
        location = { seq in
            let (file, line) = reader.position(of: seq)
            return "\(file) line \(line)"
        }
        fullReport = DirectoryLog(reader).fullReportAdvice
    }

    /// A store's entries.
    init(log: any ServedLog) {
        location = { log.location(of: $0) }
        fullReport = log.fullReportAdvice
    }
}
