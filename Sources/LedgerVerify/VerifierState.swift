import LedgerCore
import LedgerCrypto

/// Everything a verification knew when it stopped — the rules' state with every event id and
/// exchange, the policy checker's state and the findings so far — kept beside a remembered
/// record (``VerifiedPrefix``, file `FILE.state`) so the next verification goes on from there
/// without parsing the entries it covers again: it only rehashes them to check their root.
///
/// An accelerator, never a source of truth: the record names its SHA-256, and a state that is
/// missing, damaged, of another window or of another position is set aside and the covered
/// entries are replayed instead (slower, same result).
///
///     state = "FLVERIFIER1" size root window policy findings rules
///
/// one ``SnapshotWriter`` stream (integers little-endian, root 32 bytes): `policy` as
/// ``PolicyChecker/write(to:)`` writes it, `findings` as ``PolicyFinding/write(_:to:)``, `rules`
/// as ``LedgerState/writeFull(to:)``.
struct VerifierState {
    private static let magic = Array("FLVERIFIER1".utf8)

    /// Entries the state has applied.
    let size: Int64
    /// MTH(D[0:size]).
    let root: Hash32
    /// The P7 window the policy state was computed with.
    let acknowledgementWindow: Int64
    let rules: LedgerState
    let policy: PolicyChecker
    let findings: [PolicyFinding]

    /// The state's bytes, in one ``SnapshotWriter`` stream; the rules' part, tens of megabytes
    /// on a large ledger, goes last into room made for it beforehand (no regrowing).
    static func bytes(size: Int64, root: Hash32, rules: LedgerState, policy: PolicyChecker, findings: [PolicyFinding]) -> [UInt8] {
        var out = SnapshotWriter()
        out.bytes(magic)
        out.int(size)
        out.bytes(root.bytes)
        out.int(policy.acknowledgementWindow)
        policy.write(to: &out)
        PolicyFinding.write(findings, to: &out)
        out.reserveCapacity(out.count + rules.fullSnapshotSizeEstimate)
        rules.writeFull(to: &out)
        return out.output
    }

    /// The state in `bytes`.
    /// - Throws: ``FormatError`` naming the part that is not whole.
    init(bytes: [UInt8]) throws(FormatError) {
        var input = SnapshotReader(bytes)
        guard try input.bytes(Self.magic.count) == Self.magic else {
            throw FormatError(.invalidValue, field: "state", "is not a FlowLedger verifier state of version 1")
        }
        size = try input.int()
        root = try input.slice(32).withUnsafeBytes { Hash32(copying: $0) }
        acknowledgementWindow = try input.int()
        policy = try PolicyChecker(reading: &input)
        findings = try PolicyFinding.read(from: &input)
        rules = try LedgerState(full: &input)
        guard input.atEnd else {
            throw FormatError(.invalidValue, field: "state", "has \(input.remaining) bytes after its last part")
        }
        guard rules.size == size, policy.acknowledgementWindow == acknowledgementWindow else {
            throw FormatError(.invalidValue, field: "state", "its parts disagree on the position or the window")
        }
    }
}
