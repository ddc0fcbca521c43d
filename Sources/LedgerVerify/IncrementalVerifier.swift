import LedgerCore
import LedgerCrypto
import LedgerStore

/// Checks a ledger's entries as they stream past, from genesis on: the integrity rules of
/// DESIGN §7 (seq, `prev` chain, time order, ids, references, authority) and every signature
/// under the key its author had registered by then. What `flowledger tail --verify` runs.
///
/// Checking starts at genesis because an entry's key is only known from the entries before it;
/// ``catchUp(reader:to:)`` replays up to the first entry a caller wants to show. Each batch is
/// replayed in order (cheap), then its signatures are checked in parallel on every core under the
/// keys the replay found (key ids are unique in a ledger, so the final state names each key).
/// After a break the verifier's state includes entries past it: stop there, as `tail` does.
///
/// ```swift
/// var verifier = IncrementalVerifier(origin: reader.manifest.origin, hash: reader.hash)
/// if let broken = try verifier.catchUp(reader: reader, to: start) { … }
/// let (valid, broken) = verifier.check(batch)   // batch: [StoredEntry] from seq verifier.size
/// ```
public struct IncrementalVerifier: Sendable {
    private var state: LedgerState
    private let hash: HashAlgorithm

    /// A verifier for the ledger `origin` hashing with `hash`, before genesis.
    public init(origin: String, hash: HashAlgorithm) {
        state = LedgerState(origin: origin)
        self.hash = hash
    }

    /// Entries checked so far: the seq the next batch must start at.
    public var size: Int64 { state.size }

    /// Checks `entries`, which must follow the ones checked so far.
    /// - Returns: how many of them hold before the first break, and that break (nil if all hold).
    public mutating func check(_ entries: [StoredEntry]) -> (valid: Int, violation: RuleViolation?) {
        let leaves = Parallel.map(entries.count) { Entry.leafHash(line: entries[$0].line, hash: hash) }
        var replayed = 0
        var ruleBreak: RuleViolation?
        for (index, stored) in entries.enumerated() {
            do {
                try state.replay(stored.entry, leafHash: leaves[index], signature: .notChecked)  // checked afterwards, below
                replayed += 1
            } catch {
                ruleBreak = error
                break
            }
        }
        state.commit()  // nothing is rolled back: keep the undo journal from growing
        let keys = state
        let origin = state.origin
        let signed = Parallel.map(replayed, chunkSize: 8) { index -> Bool in
            let entry = entries[index].entry
            guard let key = keys.verificationKey(for: entry.event) else { return false }
            return entry.signed.verify(with: key, origin: origin)
        }
        if let forged = signed.firstIndex(of: false) {
            let event = entries[forged].entry.event
            return (forged, RuleViolation(.badSignature, seq: entries[forged].seq, eventID: event.id, author: event.author, field: "sig",
                                          "the signature does not verify under key \(event.keyID) for ledger \"\(origin)\": the event was changed after signing, signed with another key, or signed for another ledger"))
        }
        return (replayed, ruleBreak)
    }

    /// Checks the entries from ``size`` up to (not including) `end`, read from `reader` in
    /// windows that are parsed in parallel.
    /// - Returns: the first break, or nil if they all hold.
    /// - Throws: ``StoreError`` when a line cannot be read or does not parse as an entry.
    public mutating func catchUp(reader: LedgerReader, to end: Int64) throws(StoreError) -> RuleViolation? {
        let window: Int64 = 8192
        while size < end {
            let first = size
            let lines = try reader.lines(in: first..<Swift.min(end, first + window))
            let directory = reader.layout.directory
            let parsed = Parallel.map(lines.count) { index in
                Result { () throws(StoreError) in try StoredEntry(line: lines[index], seq: first + Int64(index), directory: directory) }
            }
            let entries = try parsed.map { result throws(StoreError) in try result.get() }
            let (_, violation) = check(entries)
            if let violation { return violation }
        }
        return nil
    }
}
