import LedgerCore
import LedgerCrypto

/// The first entries of a log a verification takes as verified before: replayed for the rules'
/// state and required to hash to ``root``, their signatures not checked again. Either a
/// checkpoint the regulator verified before (`--from-checkpoint`) or what this tool remembered
/// from its own earlier verification (``VerifiedPrefix``).
struct TrustedPrefix {
    /// Where the trust comes from.
    enum Basis {
        /// An operator-signed checkpoint the regulator verified before.
        case checkpoint
        /// A record of this tool's own earlier verification.
        case remembered(VerifiedPrefix)
    }

    /// Entries taken as verified: seq 0 up to (not including) this.
    let size: Int64
    /// MTH(D[0:size]) as the basis states it.
    let root: Hash32
    let basis: Basis

    /// The basis in a break's words: "the checkpoint you trusted", or the remembered record.
    var described: String {
        switch basis {
        case .checkpoint: return "the checkpoint you trusted"
        case .remembered(let prefix): return "the root remembered in \(prefix.source) from the verification of \(prefix.checkedAt)"
        }
    }

    /// What to do when the entries no longer hash to ``root``.
    var fullCheckAdvice: String {
        switch basis {
        case .checkpoint: return "verify the whole log without --from-checkpoint to find the first changed entry"
        case .remembered(let prefix): return "verify the whole log without --remember to find the first changed entry (keep \(prefix.source): it is the evidence of the root you saw before)"
        }
    }

    /// Whether the policy findings among the trusted entries are reported. A checkpoint verified
    /// before leaves them to that verification's report; a remembered prefix reports every
    /// finding, so the verdict is the one a full replay gives (they are recomputed anyway).
    var reportsFindingsWithin: Bool {
        if case .remembered = basis { return true }
        return false
    }
}
