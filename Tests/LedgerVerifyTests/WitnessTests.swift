import FlowLedger
import Foundation
import LedgerTestSupport
import LedgerVerify
import Testing

/// The witness's decision (``Witness``), its state file (``WitnessState``) and the cosignature
/// check verifiers use (``CosignatureCheck``), in process, on the checkpoints of two ledgers
/// that share origin and operator key but not history.
@Suite("witness decisions and cosignature checks (Witness, WitnessState, CosignatureCheck)")
struct WitnessTests {
    private let fx: ProofFixture
    init() throws { fx = try ProofFixture() }

    private func notes() async throws -> (a: [Int64: [UInt8]], b: [Int64: [UInt8]], aDir: String, bDir: String) {
        let a = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [2, 4])
        let b = try await fx.ledger("b", parties: ["ride.example", "forged.example", "bus.example", "tram.example"], checkpoints: [2, 4, 5])
        func load(_ dir: String, _ sizes: [Int64]) throws -> [Int64: [UInt8]] {
            Dictionary(uniqueKeysWithValues: try sizes.map { ($0, Array(try fx.checkpoint(dir, size: $0).utf8)) })
        }
        return (try load(a, [2, 4]), try load(b, [2, 4, 5]), a, b)
    }

    private func proof(_ directory: String, _ old: Int64, _ new: Int64) throws -> ProofFile.Consistency {
        ProofFile.Consistency(path: try LedgerReader(directory: directory).consistencyProof(old: old, new: new))
    }

    /// A state written by a version that kept every signature line of a cosigned checkpoint,
    /// with one padded past a note's limit of 100 lines: it loads, keeping the operator's line
    /// and the witness's (that version then refused to start, for good).
    @Test
    func aStateWithANotePaddedPastTheLimitsLoadsRepaired() async throws {
        defer { fx.remove() }
        let (a, _, _, _) = try await notes()
        let witness = try Witness(name: "regulator.example", key: PrivateKey.generate(suite: .ed25519SHA256))
        let operatorKey = try VerifierKey(string: fx.vkey)
        guard case .cosigned(let note, _, _) = try witness.cosign(a[2]!, operatorKey: operatorKey, proof: nil, state: WitnessState(witnessKey: witness.verifierKey), time: 100) else {
            Issue.record("not cosigned")
            return
        }
        let padding = (0..<100).map { "— pad\($0).example " + Data(repeating: UInt8($0), count: 68).base64EncodedString() + "\n" }.joined()
        let blank = try #require(note.range(of: "\n\n"))
        let padded = String(note[..<blank.upperBound]) + padding + String(note[blank.upperBound...])
        #expect(throws: (any Error).self) { try Note(parsing: Array(padded.utf8)) }
        let origin = try Checkpoint(text: Note(parsing: a[2]!).text).origin
        let path = fx.regulator + "/old-witness.json"
        try WitnessState(witnessKey: witness.verifierKey, checkpoints: [origin: padded]).save(to: path)
        let loaded = try WitnessState.load(from: path)
        let kept = try Note(parsing: Array(try #require(loaded.checkpoints[origin]).utf8))
        #expect(kept.signatures.map(\.name).sorted() == [origin, "regulator.example"].sorted())
        #expect(loaded.latest(origin: origin)?.checkpoint.size == 2)
    }

    @Test
    func neverCosignsTwoRootsForOneSize() async throws {
        defer { fx.remove() }
        let (a, b, aDir, bDir) = try await notes()
        let witness = try Witness(name: "regulator.example", key: PrivateKey.generate(suite: .ed25519SHA256))
        let operatorKey = try VerifierKey(string: fx.vkey)
        var state = WitnessState(witnessKey: witness.verifierKey)
        guard case .cosigned(_, _, let afterA2) = try witness.cosign(a[2]!, operatorKey: operatorKey, proof: nil, state: state, time: 100) else {
            Issue.record("first checkpoint not cosigned")
            return
        }
        state = afterA2
        guard case .refused(let sameSize) = try witness.cosign(b[2]!, operatorKey: operatorKey, proof: nil, state: state, time: 101) else {
            Issue.record("a second root for size 2 was cosigned")
            return
        }
        #expect(sameSize.reason == .splitView)
        #expect(sameSize.evidence?.reason == .sameSizeDifferentRoot)
        #expect(sameSize.evidence?.cosigned == state.checkpoints[fx.origin])
        #expect(sameSize.evidence?.offered == String(decoding: b[2]!, as: UTF8.self))

        guard case .cosigned(_, let a4, let afterA4) = try witness.cosign(a[4]!, operatorKey: operatorKey, proof: proof(aDir, 2, 4), state: state, time: 102) else {
            Issue.record("a consistent checkpoint was not cosigned")
            return
        }
        #expect(afterA4.latest(origin: fx.origin)?.checkpoint == a4)
        // B's own proof from 2 to 4 does not connect A's size 2 to B's size 4.
        guard case .refused(let inconsistent) = try witness.cosign(b[4]!, operatorKey: operatorKey, proof: proof(bDir, 2, 4), state: state, time: 103) else {
            Issue.record("an inconsistent checkpoint was cosigned")
            return
        }
        #expect(inconsistent.evidence?.reason == .inconsistent)
        #expect(inconsistent.evidence?.proof == (try proof(bDir, 2, 4)).path)

        // Without a proof where one is needed, the witness cannot decide.
        #expect(throws: WitnessError.self) { try witness.cosign(b[5]!, operatorKey: operatorKey, proof: nil, state: afterA4, time: 104) }
    }

    @Test
    func anOlderConsistentCheckpointIsCosignedButNotRemembered() async throws {
        defer { fx.remove() }
        let (a, _, aDir, _) = try await notes()
        let witness = try Witness(name: "regulator.example", key: PrivateKey.generate(suite: .ed25519SHA256))
        let operatorKey = try VerifierKey(string: fx.vkey)
        guard case .cosigned(_, _, let state) = try witness.cosign(a[4]!, operatorKey: operatorKey, proof: nil, state: WitnessState(witnessKey: witness.verifierKey), time: 7) else {
            Issue.record("not cosigned")
            return
        }
        let decision = try witness.cosign(a[2]!, operatorKey: operatorKey, proof: proof(aDir, 2, 4), state: state, time: 8)
        guard case .cosigned(let note, let checkpoint, let next) = decision else {
            Issue.record("older consistent checkpoint refused: \(decision)")
            return
        }
        #expect(checkpoint.size == 2)
        #expect(next == state)
        #expect(CosignatureCheck.verify(note: try Note(parsing: Array(note.utf8)), witnesses: [witness.verifierKey])[witness.verifierKey] == .valid(timestamp: 8))
    }

    @Test
    func cosignatureCheckReportsValidMissingAndInvalidPerWitness() async throws {
        defer { fx.remove() }
        let (a, _, _, _) = try await notes()
        let witness = try Witness(name: "regulator.example", key: PrivateKey.generate(suite: .ed25519SHA256))
        let stranger = try Witness(name: "other.example", key: PrivateKey.generate(suite: .ed25519SHA256)).verifierKey
        guard case .cosigned(let text, _, _) = try witness.cosign(a[2]!, operatorKey: VerifierKey(string: fx.vkey), proof: nil,
                                                                  state: WitnessState(witnessKey: witness.verifierKey), time: 1_764_000_000) else {
            Issue.record("not cosigned")
            return
        }
        let note = try Note(parsing: Array(text.utf8))
        let statuses = CosignatureCheck.verify(note: note, witnesses: [witness.verifierKey, stranger])
        #expect(statuses == [witness.verifierKey: .valid(timestamp: 1_764_000_000), stranger: .missing])
        #expect(CosignatureCheck.describe(witness.verifierKey, statuses[witness.verifierKey]!) ==
            "cosigned by regulator.example+\(Note.hex(witness.verifierKey.keyID)) at 2025-11-24T16:00:00Z")

        // The same cosignature line on a changed checkpoint (another timestamp signed over) does not verify.
        var line = note.signatures.last!
        var bytes = line.bytes
        bytes[7] ^= 1
        line = Note.Signature(name: line.name, keyID: line.keyID, bytes: bytes)
        let forged = note.adding([line])
        #expect(CosignatureCheck.verify(note: forged, witnesses: [witness.verifierKey]) == [witness.verifierKey: .invalid])
        #expect(throws: NoteError.self) { try CosignatureCheck.verify(note: Array("not a note".utf8), witnesses: [stranger]) }
    }

    @Test
    func stateFilesRoundTripAndRefuseNotesWithoutTheWitnessCosignature() async throws {
        defer { fx.remove() }
        let (a, _, _, _) = try await notes()
        let witness = try Witness(name: "regulator.example", key: PrivateKey.generate(suite: .ed25519SHA256))
        guard case .cosigned(_, _, let state) = try witness.cosign(a[2]!, operatorKey: VerifierKey(string: fx.vkey), proof: nil,
                                                                  state: WitnessState(witnessKey: witness.verifierKey), time: 5) else {
            Issue.record("not cosigned")
            return
        }
        #expect(try WitnessState(parsing: state.serialized, source: "s") == state)
        let uncosigned = WitnessState(witnessKey: witness.verifierKey, checkpoints: [fx.origin: String(decoding: a[2]!, as: UTF8.self)])
        #expect(throws: WitnessError(.corruptState, "s: not a FlowLedger witness state: the checkpoint stored for \"\(fx.origin)\" (size 2) has no valid cosignature by \(witness.verifierKey.string); restore it from a backup, or start over with `flowledger witness init` (which forgets what was cosigned)")) {
            try WitnessState(parsing: uncosigned.serialized, source: "s")
        }
    }

    @Test
    func proofFilesReadIndentedJSONAndNameTheLineOfAnError() throws {
        defer { fx.remove() }
        let hash = String(repeating: "0a", count: 32)
        let indented = "{\n  \"new\": 5,\n  \"old\": 2,\n  \"path\": [\n    \"\(hash)\"\n  ]\n}\n"
        #expect(try ProofFile.consistency(Array(indented.utf8)) == ProofFile.Consistency(path: [try Hash32(hex: hash)], old: 2, new: 5))
        #expect(throws: NoteError(.malformedProof, "line 3: not a JSON proof: expected a digit, found 'x'")) {
            try ProofFile.consistency(Array("{\n  \"new\": 5,\n  \"old\": -x}".utf8))
        }
        #expect(throws: NoteError(.malformedProof, "the consistency proof is from size 2 to 5, but the checkpoints are of sizes 2 and 6; make the right one with `flowledger prove DIR --old 2 --new 6`")) {
            try ProofFile.Consistency(path: [], old: 2, new: 5).proof(old: 2, new: 6)
        }
        #expect(throws: NoteError(.malformedProof, "consistency proof line 2 is not canonical base64 of a 32-byte hash")) {
            try ProofFile.consistency(Array("\(try Hash32(hex: hash).base64)\nxyz\n".utf8))
        }
    }
}
