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
/// integers little-endian; `rules` (``LedgerState/appendFullSnapshot(to:)``), `policy`
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

    /// The state's bytes, written into one buffer sized beforehand (the rules' part is tens of
    /// megabytes on a large ledger: no doubling, no second copy).
    static func bytes(size: Int64, root: Hash32, rules: LedgerState, policy: PolicyChecker, findings: [PolicyFinding]) -> [UInt8] {
        let policyPart = policy.snapshotBytes(), findingsPart = PolicyFinding.snapshotBytes(findings)
        var out: [UInt8] = []
        out.reserveCapacity(magic.count + 8 + 32 + 8 + 3 * 8 + rules.fullSnapshotSizeEstimate + policyPart.count + findingsPart.count)
        out += magic
        append(size, to: &out)
        out += root.bytes
        append(policy.acknowledgementWindow, to: &out)
        let lengthAt = out.count
        append(0, to: &out)
        rules.appendFullSnapshot(to: &out)
        let rulesLength = out.count - lengthAt - 8
        for shift in 0..<8 { out[lengthAt + shift] = UInt8(truncatingIfNeeded: rulesLength >> (8 * shift)) }
        for part in [policyPart, findingsPart] {
            append(Int64(part.count), to: &out)
            out += part
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
        rules = try LedgerState(fullSnapshot: try take(Int(try int())))
        policy = try PolicyChecker(snapshot: try take(Int(try int())))
        findings = try PolicyFinding.findings(snapshot: try take(Int(try int())))
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
