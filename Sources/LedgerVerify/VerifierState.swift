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
///     state = "FLVERIFIER1" size(8) root(32) window(8) rules policy findings
///
/// integers little-endian; `rules` (``LedgerState/fullSnapshotBytes()``), `policy`
/// (``PolicyChecker/snapshotBytes()``) and `findings` each prefixed by their 8-byte length.
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

    /// The state's bytes.
    static func bytes(size: Int64, root: Hash32, rules: LedgerState, policy: PolicyChecker, findings: [PolicyFinding]) -> [UInt8] {
        var out = magic
        append(size, to: &out)
        out += root.bytes
        append(policy.acknowledgementWindow, to: &out)
        for blob in [rules.fullSnapshotBytes(), policy.snapshotBytes(), PolicyFinding.snapshotBytes(findings)] {
            append(Int64(blob.count), to: &out)
            out += blob
        }
        return out
    }

    /// The state in `bytes`.
    /// - Throws: ``FormatError`` naming the part that is not whole.
    init(bytes: [UInt8]) throws(FormatError) {
        var position = 0
        func take(_ count: Int) throws(FormatError) -> ArraySlice<UInt8> {
            guard count >= 0, bytes.count - position >= count else {
                throw FormatError(.invalidValue, field: "state", "ends at byte \(bytes.count) inside a part that needs \(count) more bytes")
            }
            defer { position += count }
            return bytes[position..<(position + count)]
        }
        func int() throws(FormatError) -> Int64 {
            var value: UInt64 = 0
            for (index, byte) in try take(8).enumerated() { value |= UInt64(byte) << UInt64(8 * index) }
            return Int64(bitPattern: value)
        }
        guard Array(try take(Self.magic.count)) == Self.magic else {
            throw FormatError(.invalidValue, field: "state", "is not a FlowLedger verifier state of version 1")
        }
        size = try int()
        root = try take(32).withUnsafeBytes { Hash32(copying: $0) }
        acknowledgementWindow = try int()
        rules = try LedgerState(fullSnapshot: Array(try take(Int(try int()))))
        policy = try PolicyChecker(snapshot: Array(try take(Int(try int()))))
        findings = try PolicyFinding.findings(snapshot: Array(try take(Int(try int()))))
        guard position == bytes.count else {
            throw FormatError(.invalidValue, field: "state", "has \(bytes.count - position) bytes after its last part")
        }
        guard rules.size == size, policy.acknowledgementWindow == acknowledgementWindow else {
            throw FormatError(.invalidValue, field: "state", "its parts disagree on the position or the window")
        }
    }

    private static func append(_ value: Int64, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 64, by: 8) { out.append(UInt8(truncatingIfNeeded: UInt64(bitPattern: value) >> UInt64(shift))) }
    }
}
