/// What the caller knows of an entry's signature when ``LedgerState`` judges it: a named verdict
/// instead of a `Bool?` whose nil meant "reject" in one place and "accept" in another.
///
/// ``LedgerState/admit(_:seq:signature:storedEvent:)`` takes only ``valid``: a new event is
/// always checked. ``LedgerState/replay(_:leafHash:signature:)`` refuses ``invalid`` and accepts
/// ``notChecked``, for a replay whose signature policy skips the check (entries below a trusted
/// checkpoint, entries this writer already checked) or checks afterwards.
package enum SignatureCheck: Sendable, Equatable {
    /// Checked under the key ``LedgerState/verificationKey(for:)`` names, and it verifies.
    case valid
    /// Checked and it does not verify, or there is no key to check it with.
    case invalid
    /// Not checked by this call: the caller's signature policy skips it or checks it later.
    case notChecked

    /// ``valid`` when `verified`, else ``invalid``.
    package init(_ verified: Bool) { self = verified ? .valid : .invalid }

}
