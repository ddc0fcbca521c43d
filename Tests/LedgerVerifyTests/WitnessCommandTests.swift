import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerVerify
import Testing

/// `flowledger witness` as a regulator runs it: cosign an operator's checkpoints one after the
/// other, each after a consistency proof, and refuse — with evidence, state untouched — the
/// checkpoints of a rewritten history signed by the same operator key. Output, errors and exit
/// codes (0 cosigned, 1 refused, 2 usage/I/O) are pinned.
@Suite("witness command (Witness)")
struct WitnessCommandTests {
    private let fx: ProofFixture
    private let name = "regulator.example"
    init() throws { fx = try ProofFixture() }

    private var state: String { fx.regulator + "/witness.json" }

    /// A witness key and state; returns the key file and the cosigner verifier key.
    private func initWitness() throws -> (key: String, vkey: String) {
        let (path, key) = try fx.keyFile("witness")
        let vkey = try Witness(name: name, key: key).verifierKey.string
        let result = try flowledger(["witness", "init", "--key", path, "--name", name, "--state", state])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out == "created witness state \(state)\nwitness \(name)\nvkey \(vkey)\n")
        return (path, vkey)
    }

    private func cosign(_ key: String, _ checkpoint: String, proof: String? = nil, out: String? = nil) throws -> (status: Int32, out: String, err: String) {
        try flowledger(["witness", "cosign", "--state", state, "--key", key, "--vkey", fx.vkey, "--checkpoint", checkpoint]
            + (proof.map { ["--proof", $0] } ?? []) + (out.map { ["--out", $0] } ?? []))
    }

    private func body(_ note: String) throws -> Checkpoint { try Checkpoint(text: Note(parsing: Array(note.utf8)).text) }

    @Test
    func cosignsTheFirstCheckpointThenOnlyConsistentOnes() async throws {
        defer { fx.remove() }
        let a = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [2, 4])
        let (key, vkeyString) = try initWitness()
        let vkey = try VerifierKey(string: vkeyString)
        #expect(try fx.succeed("witness", "vkey", "--state", state) == vkeyString + "\n")
        #expect(try fx.succeed("witness", "vkey", "--key", key, "--name", name) == vkeyString + "\n")

        let a2 = try fx.file("a-2.checkpoint", fx.checkpoint(a, size: 2))
        let first = try cosign(key, a2)
        #expect(first.status == 0, "\(first.err)")
        #expect(first.out.hasPrefix(try contents(a2)))
        #expect(try CosignatureCheck.verify(note: Array(first.out.utf8), witnesses: [vkey])[vkey]?.isValid == true)
        #expect(try WitnessState.load(from: state).checkpoints == [fx.origin: first.out])

        let a4 = try fx.file("a-4.checkpoint", fx.checkpoint(a, size: 4))
        let withoutProof = try cosign(key, a4)
        #expect(withoutProof.status == 2)
        #expect(withoutProof.err == "flowledger: error: this witness already cosigned \(fx.origin) at size 2; to cosign size 4 it needs a consistency proof between them: run `flowledger prove DIR --old 2 --new 4` and pass it with --proof\n")

        let proof = try fx.file("a-2-4.json", fx.succeed("prove", a, "--old", "2", "--json"))
        let cosignedPath = fx.regulator + "/a-4.cosigned"
        let second = try cosign(key, a4, proof: proof, out: cosignedPath)
        #expect(second.status == 0, "\(second.err)")
        let root = try body(contents(a4)).root.base64
        #expect(second.out == "cosigned \(fx.origin) size 4 root \(root); wrote \(cosignedPath)\n")
        let cosigned = try contents(cosignedPath)
        let stateBytes = try contents(state)
        #expect(try WitnessState.load(from: state).checkpoints == [fx.origin: cosigned])

        // The cosigned checkpoint proves entries to someone who trusts the witness.
        let inclusion = try fx.file("entry-1.tlog-proof", fx.succeed("prove", a, "--seq", "1"))
        let time = try CosignatureCheck.verify(note: Array(cosigned.utf8), witnesses: [vkey])[vkey]
        guard case .valid(let timestamp?) = time else { Issue.record("no cosignature: \(String(describing: time))"); return }
        let witnessed = try flowledger(["verify-proof", "--vkey", fx.vkey, inclusion, "--checkpoint", cosignedPath, "--witness-key", vkeyString])
        #expect(witnessed.status == 0, "\(witnessed.err)")
        #expect(witnessed.out.hasSuffix("  cosigned by \(name)+\(Note.hex(vkey.keyID)) at \(Timestamp(microsecondsSinceEpoch: Int64(timestamp) * 1_000_000).text.dropLast(8))Z\n"))
        let unwitnessed = try flowledger(["verify-proof", "--vkey", fx.vkey, inclusion, "--witness-key", vkeyString])
        #expect(unwitnessed.status == 1)
        #expect(unwitnessed.err == """
            flowledger: error: proof does not hold: checkpoint \(fx.origin) size 4 in \(inclusion) lacks a required cosignature
              NOT cosigned by \(name)+\(Note.hex(vkey.keyID)): the checkpoint has no cosignature line from this witness; ask the witness to cosign it (`flowledger witness cosign`) or check the --witness-key

            """)

        // Cosigning the same checkpoint again is idempotent: the same note, the state untouched.
        let again = try cosign(key, a4)
        #expect(again.status == 0, "\(again.err)")
        #expect(again.out == cosigned)
        #expect(try contents(state) == stateBytes)
        let againToFile = try cosign(key, a4, out: fx.regulator + "/again")
        #expect(againToFile.out == "already cosigned \(fx.origin) size 4 root \(root); unchanged; wrote \(fx.regulator)/again\n")
        #expect(try contents(fx.regulator + "/again") == cosigned)
        // In a chain (another witness cosigned first), the same checkpoint again keeps the other
        // witness's line: the state keeps only the operator's and this witness's.
        let other = "— other.witness.example " + Data(repeating: 9, count: 76).base64EncodedString() + "\n"
        let chained = try cosign(key, fx.file("a-4.chained", contents(a4) + other))
        #expect(chained.status == 0, "\(chained.err)")
        #expect(chained.out.contains(other) && chained.out.contains("— \(name) "), "\(chained.out)")
        #expect(try contents(state) == stateBytes)

        // An older checkpoint of the same history is cosigned with a proof, and not remembered.
        let older = try cosign(key, a2, proof: fx.file("a-2-4.proof", fx.succeed("prove", a, "--old", "2")))
        #expect(older.status == 0, "\(older.err)")
        #expect(try contents(state) == stateBytes)
    }

    @Test
    func aSplitViewIsRefusedWithEvidenceAndTheStateUnchanged() async throws {
        defer { fx.remove() }
        let a = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [2, 4])
        let b = try await fx.ledger("b", parties: ["ride.example", "forged.example", "bus.example", "tram.example"], checkpoints: [4, 5])
        let (key, _) = try initWitness()
        let a4 = try fx.file("a-4.checkpoint", fx.checkpoint(a, size: 4))
        #expect(try cosign(key, a4).status == 0)
        let stateBytes = try contents(state)
        let cosigned = try WitnessState.load(from: state).checkpoints[fx.origin]!
        let (rootA, b4Note) = (try body(contents(a4)).root.base64, try fx.checkpoint(b, size: 4))
        let b4 = try fx.file("b-4.checkpoint", b4Note)

        // The same size with another root, signed by the same operator key.
        let sameSize = try cosign(key, b4)
        #expect(sameSize.status == 1)
        #expect(sameSize.out == "")
        let evidencePaths = try FileManager.default.contentsOfDirectory(atPath: fx.regulator).filter { $0.hasPrefix("split-view-") }.sorted()
        #expect(evidencePaths.count == 1)
        let evidencePath = fx.regulator + "/" + (evidencePaths.first ?? "")
        #expect(evidencePath.hasPrefix(fx.regulator + "/split-view-exchange.proof.example_2026-"))
        #expect(sameSize.err == """
            flowledger: error: SPLIT VIEW of log \(fx.origin): two different roots for size 4; the operator signed two histories that cannot both be true
              already cosigned: \(fx.origin) size 4 root \(rootA)
              offered:          \(fx.origin) size 4 root \(try body(b4Note).root.base64)
              NOT cosigned; the witness state is unchanged
              evidence (both signed checkpoints): \(evidencePath); keep it and report it

            """)
        #expect(try contents(state) == stateBytes)
        let evidence = try CanonicalJSONParser.parse(Array(contents(evidencePath).utf8).dropLast())
        #expect(evidence["cosigned"]?.stringValue == cosigned)
        #expect(evidence["offered"]?.stringValue == b4Note)
        #expect(evidence["reason"]?.stringValue == "same-size-different-root")
        // Both notes in the evidence verify under the operator's key, without trusting the witness.
        for note in [cosigned, b4Note] {
            #expect(try Checkpoint.open(Array(note.utf8), verifiers: [VerifierKey(string: fx.vkey)]).checkpoint.size == 4)
        }

        // A larger checkpoint of the rewritten history, with that history's own proof.
        let b5 = try fx.file("b-5.checkpoint", fx.checkpoint(b, size: 5))
        let proof = try fx.file("b-4-5.proof", fx.succeed("prove", b, "--old", "4"))
        let inconsistent = try cosign(key, b5, proof: proof)
        #expect(inconsistent.status == 1)
        #expect(inconsistent.err.hasPrefix("flowledger: error: SPLIT VIEW of log \(fx.origin): size 5 does not extend size 4: consistency proof implies root "))
        #expect(inconsistent.err.contains("\n  NOT cosigned; the witness state is unchanged\n  evidence (both signed checkpoints): \(fx.regulator)/split-view-"))
        #expect(try contents(state) == stateBytes)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fx.regulator).filter { $0.hasPrefix("split-view-") }.count == 2)
    }

    @Test
    func concurrentCosignsOfTwoRootsForOneSizeCosignOnlyOne() async throws {
        defer { fx.remove() }
        let a = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [4])
        let b = try await fx.ledger("b", parties: ["ride.example", "forged.example", "bus.example"], checkpoints: [4])
        let (key, _) = try initWitness()
        let notes = try [fx.file("a-4.checkpoint", fx.checkpoint(a, size: 4)), fx.file("b-4.checkpoint", fx.checkpoint(b, size: 4))]
        for _ in 0..<3 {
            let empty = WitnessState(witnessKey: try WitnessState.load(from: state).witnessKey)
            try write(String(decoding: empty.serialized, as: UTF8.self), to: state)
            let children = try notes.map { note in
                try ChildProcess(["/usr/bin/env", "COLUMNS=80", flowledgerPath, "witness", "cosign", "--state", state, "--key", key, "--vkey", fx.vkey, "--checkpoint", note],
                                 directory: fx.work)
            }
            let statuses = children.map { $0.wait() }.sorted()
            let errors = try children.map { try $0.stderr() }
            #expect(statuses == [0, 1], "both sides of a split view were cosigned, or neither: \(errors)")
        }
    }

    @Test
    func aBadSignatureIsRefusedAndBrokenStateOrKeysExitTwo() async throws {
        defer { fx.remove() }
        let a = try await fx.ledger("a", parties: ["ride.example"], checkpoints: [2])
        let (key, _) = try initWitness()
        let a2 = try fx.file("a-2.checkpoint", fx.checkpoint(a, size: 2))
        let impostor = try NoteSigner(name: fx.origin, key: PrivateKey.generate(suite: .ed25519SHA256)).verifierKey
        let wrongKey = try flowledger(["witness", "cosign", "--state", state, "--key", key, "--vkey", impostor.string, "--checkpoint", a2])
        #expect(wrongKey.status == 1)
        let operatorID = String(fx.vkey.split(separator: "+")[1])
        #expect(wrongKey.err == """
            flowledger: error: the checkpoint does not verify under the operator key \(fx.origin)+\(Note.hex(impostor.keyID)): \
            note has no signature from a trusted key (signed by: \(fx.origin)+\(operatorID); trusted: \(fx.origin)+\(Note.hex(impostor.keyID))); check that you passed the right verifier key
              nothing was cosigned; check that --vkey is this log's operator key

            """)

        let help = try flowledger(["witness", "--help"])
        #expect(help.status == 0)
        #expect(help.out == """
            OVERVIEW: Cosign a log's checkpoints as a witness, after checking that each
            extends the last one cosigned.

            A witness keeps a state file with the latest checkpoint it cosigned per log,
            and never cosigns two different roots for one size. Start with `flowledger
            keygen --out witness.pem` (Ed25519), then `witness init`; give `witness vkey`
            to verifiers, who check with `verify-proof --witness-key`.
            Exit codes: 0 cosigned, 1 refused (bad signature or split view: evidence is
            written next to the state), 2 usage or I/O (also: a consistency proof is
            needed).

            USAGE: flowledger witness <subcommand>

            OPTIONS:
              -h, --help              Show help information.

            SUBCOMMANDS:
              init                    Create an empty witness state for the witness key and
                                      name; print the cosigner verifier key.
              vkey                    Print the witness's cosigner verifier key
                                      (name+keyid+base64), for `--witness-key`.
              cosign                  Verify a checkpoint and its consistency with the last
                                      one cosigned, then cosign it.
              serve                   Serve the witness over HTTP: C2SP tlog-witness POST
                                      add-checkpoint.

              See 'flowledger help witness <subcommand>' for detailed help.

            """)
        let again = try flowledger(["witness", "init", "--key", key, "--name", name, "--state", state])
        #expect(again.status == 2)
        #expect(again.err == "flowledger: error: \(state) already holds a witness state; refusing to overwrite what this witness cosigned (choose another path, or remove it first)\n")

        let sm2 = try fx.keyFile("sm2", suite: .sm2SM3)
        let notEd25519 = try flowledger(["witness", "init", "--key", sm2.path, "--name", name, "--state", fx.regulator + "/sm2.json"])
        #expect(notEd25519.status == 2)
        #expect(notEd25519.err == "flowledger: error: witness cosignatures (c2sp.org/tlog-cosignature) are Ed25519; use an ed25519 key for the witness\n")

        let other = try fx.keyFile("other")
        let foreign = try cosign(other.path, a2)
        #expect(foreign.status == 2)
        #expect(foreign.err.hasPrefix("flowledger: error: the witness key given makes \(name)+"))

        try write("{\"checkpoints\":{}", to: state)
        let corrupt = try cosign(key, a2)
        #expect(corrupt.status == 2)
        #expect(corrupt.err == "flowledger: error: \(state): not a FlowLedger witness state: it does not end with a newline (truncated?); restore it from a backup, or start over with `flowledger witness init` (which forgets what was cosigned)\n")
        try write("{\"checkpoints\":{},\"format\":\"something/else\",\"witness\":\"x\"}\n", to: state)
        #expect(try cosign(key, a2).err == "flowledger: error: \(state): not a FlowLedger witness state: field \"format\" is not \"flowledger/witness-state/v1\"; restore it from a backup, or start over with `flowledger witness init` (which forgets what was cosigned)\n")
        try write("not json\n", to: state)
        #expect(try cosign(key, a2).err.hasPrefix("flowledger: error: \(state): not a FlowLedger witness state: not canonical JSON at byte 1: "))

        let none = fx.regulator + "/none.json"
        let missing = try flowledger(["witness", "cosign", "--state", none, "--key", key, "--vkey", fx.vkey, "--checkpoint", a2])
        #expect(missing.status == 2)
        #expect(missing.err == "flowledger: error: \(none): no witness state here; create one with `flowledger witness init --key KEY.pem --name NAME --state \(none)`\n")
    }
}
