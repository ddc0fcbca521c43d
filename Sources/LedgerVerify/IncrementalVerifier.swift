import LedgerCore
import LedgerCrypto
import LedgerStore

/// Checks a ledger's entries as they stream past, from genesis on: the integrity rules of
/// DESIGN §7 (seq, `prev` chain, time order, ids, references, authority) and every signature
/// under the key its author had registered by then. What `flowledger tail --verify` runs.
///
/// Checking starts at genesis because an entry's key is only known from the entries before it;
/// ``catchUp(reader:to:)`` replays up to the first entry a caller wants to show. It runs on the
/// one ``ReplayEngine`` with signatures checked afterwards (``SignaturePolicy/checkAfterwards``):
/// each batch is replayed in order (cheap), then its signatures are checked in parallel on every
/// core under the keys the replay found (key ids are unique in a ledger, so the final state
/// names each key). After a break the verifier's state includes entries past it: stop there, as
/// `tail` does (every later check returns the same break).
///
/// ```swift
/// var verifier = IncrementalVerifier(origin: reader.manifest.origin, hash: reader.hash)
/// if let broken = try verifier.catchUp(reader: reader, to: start) { … }
/// let (valid, broken) = verifier.check(batch)   // batch: [StoredEntry] from seq verifier.size
/// ```
public struct IncrementalVerifier: Sendable {
    private var engine: ReplayEngine

    /// A verifier for the ledger `origin` hashing with `hash`, before genesis.
    public init(origin: String, hash: HashAlgorithm) {
        engine = ReplayEngine(origin: origin, hash: hash, signatures: .checkAfterwards)
    }

    /// Entries checked so far: the seq the next batch must start at.
    public var size: Int64 { engine.size }

    /// Checks `entries`, which must follow the ones checked so far.
    /// - Returns: how many of them hold before the first break, and that break (nil if all hold).
    public mutating func check(_ entries: [StoredEntry]) -> (valid: Int, violation: RuleViolation?) {
        var source = LineArraySource(entries)
        var valid = 0
        let outcome = engine.run(from: &source) { _ in
            valid += 1
            return .proceed
        }
        return (valid, outcome.violation)
    }

    /// Checks the entries from ``size`` up to (not including) `end`, read from `reader` a window
    /// at a time and parsed on every core.
    /// - Returns: the first break, or nil if they all hold.
    /// - Throws: ``StoreError`` when a line cannot be read or does not parse as an entry.
    public mutating func catchUp(reader: LedgerReader, to end: Int64) throws(StoreError) -> RuleViolation? {
        guard size < end else { return nil }
        var source = ReaderLineSource(reader, range: size..<end)
        return try catchUp(from: &source, name: reader.layout.directory)
    }

    /// ``catchUp(reader:to:)`` over a store's log (a PostgreSQL store, for `tail postgres://… --verify`).
    package mutating func catchUp(log: any ServedLog, to end: Int64) throws(StoreError) -> RuleViolation? {
        guard size < end else { return nil }
        var source = ReaderLineSource(store: log, range: size..<end)
        return try catchUp(from: &source, name: log.name)
    }

    private mutating func catchUp(from source: inout ReaderLineSource, name: String) throws(StoreError) -> RuleViolation? {
        let outcome = try engine.run(from: &source) { _ in .proceed }
        if case .broken(.malformedLine(let error, let at)) = outcome {
            throw StoreError(.damaged, "\(name): entry \(at.seq) does not parse: \(error); run `flowledger verify \(name)` for a full report")
        }
        return outcome.violation
    }
}

extension ReplayOutcome {
    /// The integrity rule broken, for a replay of entries a reader already located (no segment
    /// structure, no genesis expectation: only ``ReplayBreak/rule(_:_:)`` and malformed lines).
    var violation: RuleViolation? {
        switch self {
        case .broken(.rule(let violation, _)):
            return violation
        case .broken(let other):
            let seq = other.location?.seq ?? 0
            return RuleViolation(.malformedLine, seq: seq, eventID: nil, author: nil, field: "", other.description)
        case .finished, .stopped:
            return nil
        }
    }
}
