import LedgerCore
import LedgerCrypto

/// What a verification trusts and requires.
public struct VerifyOptions: Sendable {
    /// The operator's verifier key as the regulator received it (`--vkey`). When nil, the key in
    /// `ledger.json` is used and the report says so: a ledger re-keyed as a whole would then pass.
    public var operatorKey: VerifierKey?
    /// Witnesses whose cosignature the latest checkpoint must carry (`--witness-key`).
    public var witnessKeys: [VerifierKey] = []
    /// A checkpoint verified before (`--from-checkpoint`): entries up to its size are replayed for
    /// state and must hash to its root, but their signatures are not checked again.
    public var trustedCheckpoint: (path: String, bytes: [UInt8])?
    /// What this tool proved in an earlier verification of the same ledger under the same
    /// operator key (`--remember`): entries up to its size are replayed for state and must hash
    /// to its root, but their signatures are not checked again; findings are reported for every
    /// entry. Not together with ``trustedCheckpoint``.
    public var verifiedBefore: VerifiedPrefix?
    /// Whether ``VerificationReport/proved`` carries the verifier's whole state (about 40 bytes
    /// per entry), so that a verification given it in ``verifiedBefore`` goes on from there
    /// without replaying the entries it covers. Off by default: it costs memory at the end.
    public var keepsState = false
    /// The P7 acknowledgement window in microseconds of ledger time.
    public var acknowledgementWindow: Int64 = PolicyChecker.defaultAcknowledgementWindow
    /// Called about every 100,000 entries with the entries checked so far and the log's total
    /// bytes read and to read, for a progress line.
    public var progress: (@Sendable (_ entries: Int64, _ bytesRead: Int64, _ totalBytes: Int64) -> Void)?

    /// Trust only what is in the ledger; require no witness.
    public init() {}
}

/// Verification could not run at all (not a ledger, unreadable files): the message says what
/// and where, and what to do. A ledger that fails verification is not an error but a report.
public struct VerifyError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, where, and what to do.
    public let message: String
    /// Creates the error.
    package init(_ message: String) { self.message = message }
    /// The message.
    public var description: String { message }
}
