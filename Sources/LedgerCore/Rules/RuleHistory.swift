/// What the integrity rules must remember for the life of a ledger — every (author, id) for
/// rule 3 and every exchange for the references of rule 5 — kept outside memory by a writer that
/// must open in constant time (``LedgerState/attach(history:)``).
///
/// Contract:
/// - It MUST answer for every event and exchange up to the position it was attached at, and
///   the writer keeps it up to date as it flushes.
/// - Lookups do not throw: an implementation that cannot read MUST answer nil and record the
///   failure, and its owner MUST check for it before anything admitted meanwhile is written
///   (a lookup that failed may have called a used id new).
package protocol RuleHistory: AnyObject, Sendable {
    /// The seq of the event whose (author, id) has `key`, if there is one.
    func eventSeq(_ key: DigestKey) -> Int64?
    /// The exchange whose id has `key`, if it was sent.
    func exchange(_ key: DigestKey) -> LedgerState.Exchange?
}
