/// What a replay does with the entries' signatures (DESIGN §7 rule 2): a named policy, chosen by
/// each caller of ``ReplayEngine``, instead of a flag whose meaning changes from one loop to the
/// next (STYLE habit 16).
///
/// Whatever the policy, every other rule is applied in order; the policy decides only which
/// ``SignatureCheck`` the rules are given.
package enum SignaturePolicy: Sendable, Equatable, CustomStringConvertible {
    /// Trusted, not checked: entries below a checkpoint verified before, entries this writer
    /// checked when it appended them (those its index covers), or a reader such as the projector
    /// that leaves signatures to `verify`. ``SignatureCheck/notChecked`` for every entry.
    case skip
    /// Checked while the log is read, on every core: each window of lines is parsed, hashed and
    /// signature-checked in parallel while the previous window is applied in order (what
    /// `verify` and the writer's recovery of unindexed entries run). A key registered inside the
    /// window, or in the window before, is found by a scan of those windows, so no signature
    /// waits for the ordered step.
    case checkAsItGoes
    /// Checked per batch after the rules ran: a batch is applied in order with
    /// ``SignatureCheck/notChecked``, then its signatures are checked in parallel under the keys
    /// the batch ended with (key ids are unique in a ledger), and no entry of the batch is handed
    /// on before that (what `tail --verify` runs on entries it already holds).
    case checkAfterwards

    /// "skip", "check as it goes", "check afterwards".
    package var description: String {
        switch self {
        case .skip: "skip"
        case .checkAsItGoes: "check as it goes"
        case .checkAfterwards: "check afterwards"
        }
    }
}
