import LedgerCore
import LedgerCrypto

/// Checks that a checkpoint note carries a valid cosignature from each of a set of witnesses
/// (c2sp.org/tlog-cosignature, DESIGN §8): a line with the witness's key name and key id whose
/// signature — `timestamp(8 bytes, big-endian) || Ed25519` over
/// `"cosignature/v1\ntime <ts>\n" || checkpoint text` — verifies.
///
/// This is the check behind `verify-proof --witness-key` and `verify --witness-key`: a
/// regulator who trusts a witness accepts a checkpoint only if that witness, after checking a
/// consistency proof, cosigned it. It answers per witness and never throws on a bad or missing
/// cosignature: invalid is a result.
///
/// ```swift
/// let witness = try VerifierKey(string: "regulator.example+4d8a2f10+BN3…")
/// let statuses = CosignatureCheck.verify(note: note, witnesses: [witness])
/// guard statuses[witness]?.isValid == true else { print(CosignatureCheck.describe(witness, statuses[witness]!)) }
/// ```
public enum CosignatureCheck {
    /// What the note says about one witness.
    public enum Status: Hashable, Sendable {
        /// A line from this witness verifies. `timestamp` is the cosignature's time (seconds
        /// since the epoch) for type 0x04 keys, nil for a witness that signs with a plain
        /// Ed25519 note key (type 0x01).
        case valid(timestamp: UInt64?)
        /// The note has no line with this witness's key name and key id.
        case missing
        /// A line with this witness's key name and key id is there but does not verify: the
        /// checkpoint text was changed after cosigning, or the line is forged.
        case invalid

        /// True for ``valid(timestamp:)``.
        public var isValid: Bool {
            if case .valid = self { return true }
            return false
        }
    }

    /// The status of each witness in `witnesses` on `note` (the note's other lines are ignored).
    public static func verify(note: Note, witnesses: [VerifierKey]) -> [VerifierKey: Status] {
        let message = Array(note.text.utf8)
        var statuses: [VerifierKey: Status] = [:]
        for witness in witnesses {
            guard let line = note.signatures.first(where: { $0.isBy(witness) }) else {
                statuses[witness] = .missing
                continue
            }
            guard witness.verify(message: message, signature: line.bytes) else {
                statuses[witness] = .invalid
                continue
            }
            statuses[witness] = .valid(timestamp: witness.algorithm == .cosignatureV1 ? VerifierKey.cosignatureTimestamp(line.bytes) : nil)
        }
        return statuses
    }

    /// Parses the note in `bytes` (a signed checkpoint, with or without cosignatures) and checks
    /// it like ``verify(note:witnesses:)``. Does not check the operator's signature: open the
    /// checkpoint with ``Checkpoint/open(_:verifiers:origin:)`` for that.
    /// - Throws: ``NoteError`` only if `bytes` is not a signed note at all.
    public static func verify(note bytes: some Collection<UInt8>, witnesses: [VerifierKey]) throws(NoteError) -> [VerifierKey: Status] {
        verify(note: try Note(parsing: bytes), witnesses: witnesses)
    }

    /// One line for a report, e.g. `cosigned by regulator.example+4d8a2f10 at 2026-11-25T12:00:00Z`
    /// or `NOT cosigned by regulator.example+4d8a2f10: the checkpoint has no cosignature line from this witness`.
    public static func describe(_ witness: VerifierKey, _ status: Status) -> String {
        let id = witness.shortName
        switch status {
        case .valid(let timestamp?):
            return "cosigned by \(id) at \(time(timestamp))"
        case .valid(nil):
            return "cosigned by \(id)"
        case .missing:
            return "NOT cosigned by \(id): the checkpoint has no cosignature line from this witness; ask the witness to cosign it (`flowledger witness cosign`) or check the --witness-key"
        case .invalid:
            return "NOT cosigned by \(id): its cosignature line does not verify; the checkpoint was changed after cosigning, or the line is forged"
        }
    }

    /// A cosignature time in RFC 3339 (seconds up to the year 9999; beyond, the raw number).
    static func time(_ timestamp: UInt64) -> String {
        guard timestamp < 253_402_300_800 else { return "\(timestamp) seconds after the epoch" }
        let text = Timestamp(microsecondsSinceEpoch: Int64(timestamp) * 1_000_000).text
        return String(text.dropLast(".000000Z".count)) + "Z"  // whole seconds: no fraction
    }
}
