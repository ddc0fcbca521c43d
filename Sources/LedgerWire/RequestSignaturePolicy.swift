import LedgerCrypto

/// FlowLedger's profile of RFC 9421 (DESIGN §11.4), in one place for the signer, the verifier and
/// the replay guard.
///
/// `Signature-Input: fl=("@method" "@target-uri" "content-digest");created=…;expires=…;keyid="<key id>";alg="ed25519";tag="flowledger/v1"`
public enum RequestSignaturePolicy {
    /// The label of FlowLedger's signature in `Signature-Input` and `Signature`.
    public static let label = "fl"
    /// The `tag` parameter that marks a FlowLedger request signature (RFC 9421 §2.3).
    public static let tag = "flowledger/v1"
    /// How far `created` may be from the verifier's clock, either way, in seconds.
    public static let maxClockSkew: Int64 = 300
    /// The longest `expires - created` accepted, in seconds.
    public static let maxLifetime: Int64 = 300

    /// The `alg` value for a suite's keys: `ed25519` (the RFC 9421 registry name) or `sm2-sm3`.
    public static func alg(for suite: Suite) -> String {
        switch suite {
        case .ed25519SHA256: return "ed25519"
        case .sm2SM3: return "sm2-sm3"
        }
    }
}
