import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing

/// `flowledger verify-proof` as a regulator runs it: proofs made with `flowledger prove` on the
/// operator's ledger, checked in another folder with nothing but the files and the operator's
/// verifier key. Output, errors and exit codes (0 holds, 1 does not, 2 usage/I/O) are pinned.
@Suite("verify-proof command (VerifyProof)")
struct VerifyProofCommandTests {
    private let fx: ProofFixture
    init() throws { fx = try ProofFixture() }

    private var keyID: String { String(fx.vkey.split(separator: "+")[1]) }

    /// Ledger A (size 4, checkpoints 2 and 4) with an inclusion proof of entry 1 in the regulator's folder.
    private func ledgerWithProof() async throws -> (ledger: String, proof: String, path: String) {
        let ledger = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [2, 4])
        let proof = try fx.succeed("prove", ledger, "--seq", "1")
        return (ledger, proof, try fx.file("entry-1.tlog-proof", proof))
    }

    @Test
    func inclusionProofsInTextAndJSONHold() async throws {
        defer { fx.remove() }
        let (ledger, proof, path) = try await ledgerWithProof()
        let checkpoint = try Checkpoint(text: Note(parsing: Array(fx.checkpoint(ledger, size: 4).utf8)).text)
        let entry = try fx.entry(in: proof)
        let text = try flowledger(["verify-proof", "--vkey", fx.vkey, path])
        #expect(text.status == 0, "\(text.err)")
        #expect(text.out == """
            proof holds: entry 1 is in checkpoint \(fx.origin) size 4 root \(checkpoint.root.base64)
              entry seq 1 type party.registered author ops.exchange id reg-ride.example time \(entry.time.text)
              signed by \(fx.origin)+\(keyID)

            """)
        #expect(text.err == "")

        let json = try fx.file("entry-1.json", fx.succeed("prove", ledger, "--seq", "1", "--json"))
        let checkpointFile = try fx.file("4.checkpoint", fx.checkpoint(ledger, size: 4))
        let vkeyFile = try fx.file("operator.vkey", fx.succeed("vkey", ledger))
        let leaf = Entry.leafHash(line: try TLogProof(text: proof).extra!, hash: .sha256)
        for vkey in [vkeyFile, "@" + vkeyFile] {
            let fromJSON = try flowledger(["verify-proof", "--vkey", vkey, json, "--checkpoint", checkpointFile])
            #expect(fromJSON.status == 0, "\(fromJSON.err)")
            #expect(fromJSON.out == """
                proof holds: entry 1 is in checkpoint \(fx.origin) size 4 root \(checkpoint.root.base64)
                  leaf hash \(leaf.hex)
                  signed by \(fx.origin)+\(keyID)

                """)
        }
        let report = try flowledger(["verify-proof", "--vkey", fx.vkey, path, "--json"])
        #expect(report.status == 0)
        #expect(report.out.hasPrefix("{\"details\":[\"entry seq 1 type party.registered"))
        #expect(report.out.hasSuffix("\"holds\":true,\"summary\":\"entry 1 is in checkpoint \(fx.origin) size 4 root \(checkpoint.root.base64)\",\"verdict\":\"intact\"}\n"))
    }

    @Test
    func aChangedEntryIndexOrPathHashDoesNotHold() async throws {
        defer { fx.remove() }
        let (ledger, proof, _) = try await ledgerWithProof()
        let parsed = try TLogProof(text: proof)
        let root = try Checkpoint(text: Note(parsing: Array(parsed.checkpoint.utf8)).text).root
        let otherLine = try TLogProof(text: fx.succeed("prove", ledger, "--seq", "2")).extra!
        var flipped = parsed.path[0].bytes
        flipped[0] ^= 1
        let cases: [(name: String, proof: TLogProof, index: Int64, leaf: [UInt8], path: [Hash32])] = [
            ("entry", TLogProof(extra: otherLine, index: 1, path: parsed.path, checkpoint: parsed.checkpoint), 1, otherLine, parsed.path),
            ("index", TLogProof(extra: parsed.extra, index: 2, path: parsed.path, checkpoint: parsed.checkpoint), 2, parsed.extra!, parsed.path),
            ("path", TLogProof(extra: parsed.extra, index: 1, path: [try Hash32(bytes: flipped)] + parsed.path.dropFirst(), checkpoint: parsed.checkpoint),
             1, parsed.extra!, [try Hash32(bytes: flipped)] + parsed.path.dropFirst()),
        ]
        for tampered in cases {
            let path = try fx.file("\(tampered.name).tlog-proof", tampered.proof.text)
            let result = try flowledger(["verify-proof", "--vkey", fx.vkey, path])
            let computed = try MerkleTree.rootFromInclusionProof(index: tampered.index, size: 4, leafHash: Entry.leafHash(line: tampered.leaf, hash: .sha256),
                                                                 proof: tampered.path, hash: .sha256)
            #expect(result.status == 1, "\(tampered.name)")
            #expect(result.out == "")
            #expect(result.err == """
                flowledger: error: proof does not hold: entry \(tampered.index) is NOT proven to be in checkpoint \(fx.origin) size 4 root \(root.base64): \
                inclusion proof for entry \(tampered.index) leads to root \(computed.hex), but the tree of size 4 has root \(root.hex)
                  the entry line, the index or a path hash was changed, or the proof is for another checkpoint

                """, "\(tampered.name)")
            let report = try flowledger(["verify-proof", "--vkey", fx.vkey, path, "--json"])
            #expect(report.status == 1)
            #expect(report.err == "")
            #expect(report.out.hasPrefix("{\"details\":[\"the entry line, the index or a path hash was changed, or the proof is for another checkpoint\"],\"holds\":false,"))
            #expect(report.out.hasSuffix(",\"verdict\":\"broken\"}\n"))
        }
    }

    @Test
    func theHashFollowsTheKeySM2LedgersProveWithSM3() async throws {
        let sm2 = try ProofFixture(suite: .sm2SM3)
        defer { sm2.remove(); fx.remove() }
        let ledger = try await sm2.ledger("sm2", parties: ["ride.example", "taxi.example"], checkpoints: [1, 3])
        let inclusion = try sm2.file("entry-2.tlog-proof", sm2.succeed("prove", ledger, "--seq", "2"))
        let held = try flowledger(["verify-proof", "--vkey", sm2.vkey, inclusion])
        #expect(held.status == 0, "\(held.err)")
        #expect(held.out.hasPrefix("proof holds: entry 2 is in checkpoint \(sm2.origin) size 3 root "))
        let old = try sm2.file("1.checkpoint", sm2.checkpoint(ledger, size: 1))
        let new = try sm2.file("3.checkpoint", sm2.checkpoint(ledger, size: 3))
        let proof = try sm2.file("1-3.json", sm2.succeed("prove", ledger, "--old", "1", "--json"))
        let consistent = try flowledger(["verify-proof", "--vkey", sm2.vkey, "--old-checkpoint", old, "--checkpoint", new, "--proof", proof])
        #expect(consistent.status == 0, "\(consistent.err)")
    }

    @Test
    func aCheckpointSignedByAnotherKeyOrChangedDoesNotHold() async throws {
        defer { fx.remove() }
        let (_, proof, _) = try await ledgerWithProof()
        let parsed = try TLogProof(text: proof)
        let body = try Checkpoint(text: Note(parsing: Array(parsed.checkpoint.utf8)).text)
        let impostor = try NoteSigner(name: fx.origin, key: PrivateKey.generate(suite: .ed25519SHA256))
        let forged = try fx.file("forged.tlog-proof", TLogProof(extra: parsed.extra, index: 1, path: parsed.path,
                                                              checkpoint: impostor.sign(body.text).serialized).text)
        let result = try flowledger(["verify-proof", "--vkey", fx.vkey, forged])
        #expect(result.status == 1)
        #expect(result.err == """
            flowledger: error: proof does not hold: checkpoint \(fx.origin) size 4 root \(body.root.base64) in \(forged) does not verify under the operator key \(fx.origin)+\(keyID): \
            note has no signature from a trusted key (signed by: \(fx.origin)+\(Note.hex(impostor.verifierKey.keyID)); trusted: \(fx.origin)+\(keyID)); check that you passed the right verifier key

            """)

        let otherRoot = Checkpoint(origin: fx.origin, size: 4, root: parsed.path[0])
        let changed = try fx.file("changed.tlog-proof", proof.replacingOccurrences(of: body.root.base64 + "\n", with: otherRoot.root.base64 + "\n"))
        let altered = try flowledger(["verify-proof", "--vkey", fx.vkey, changed])
        #expect(altered.status == 1)
        #expect(altered.err == """
            flowledger: error: proof does not hold: checkpoint \(fx.origin) size 4 root \(otherRoot.root.base64) in \(changed) does not verify under the operator key \(fx.origin)+\(keyID): \
            the signature of \(fx.origin)+\(keyID) does not verify: the note text was changed after signing, or the signature is forged

            """)
    }

    @Test
    func missingAndMalformedFilesExitTwoNamingFileAndLine() async throws {
        defer { fx.remove() }
        let (_, proof, _) = try await ledgerWithProof()
        let missing = fx.regulator + "/none.tlog-proof"
        let absent = try flowledger(["verify-proof", "--vkey", fx.vkey, missing])
        #expect(absent.status == 2)
        #expect(absent.err == "flowledger: error: \(missing): cannot open: No such file or directory\n")

        var lines = proof.split(separator: "\n", omittingEmptySubsequences: false)
        lines[4] = "not-a-hash"
        let bad = try fx.file("bad.tlog-proof", lines.joined(separator: "\n"))
        let malformed = try flowledger(["verify-proof", "--vkey", fx.vkey, bad])
        #expect(malformed.status == 2)
        #expect(malformed.err == "flowledger: error: \(bad): tlog-proof line 5: path hash 2 is not canonical base64 of 32 bytes\n")

        let json = try fx.file("bad.json", "{\n  \"index\": 1,\n  \"leaf\": \"zz\",\n  \"path\": [],\n  \"size\": 4\n}\n")
        let badJSON = try flowledger(["verify-proof", "--vkey", fx.vkey, json, "--checkpoint", bad])
        #expect(badJSON.status == 2)
        #expect(badJSON.err == "flowledger: error: \(json): field \"leaf\": expected 64 lowercase hex digits\n")
        let broken = try fx.file("broken.json", "{\"index\":1,\n\"leaf\":}")
        let notJSON = try flowledger(["verify-proof", "--vkey", fx.vkey, broken])
        #expect(notJSON.status == 2)
        #expect(notJSON.err.hasPrefix("flowledger: error: \(broken): line 2: not a JSON proof: "))
        let noCheckpoint = try fx.file("alone.json", "{\"index\":1,\"leaf\":\"\(String(repeating: "ab", count: 32))\",\"path\":[],\"size\":4}\n")
        let alone = try flowledger(["verify-proof", "--vkey", fx.vkey, noCheckpoint])
        #expect(alone.status == 2)
        #expect(alone.err == "flowledger: error: \(noCheckpoint): a JSON inclusion proof carries no checkpoint; give the signed checkpoint of size 4 with --checkpoint FILE\n")
    }

    @Test
    func usageErrorsExitTwo() throws {
        defer { fx.remove() }
        let neither = try flowledger(["verify-proof", "--vkey", fx.vkey])
        #expect(neither.status == 2)
        #expect(neither.err.hasPrefix("flowledger: error: give a proof file (inclusion), or --old-checkpoint, --checkpoint and --proof (consistency)\n"))
        let badKey = try flowledger(["verify-proof", "--vkey", "nonsense", "x.tlog-proof"])
        #expect(badKey.status == 2)
        #expect(badKey.err == "flowledger: error: --vkey: verifier key \"nonsense\" is not name+<8 hex digits>+<base64>; print the right one with `flowledger vkey DIR`\n")
        let usage = try flowledger(["verify-proof", "--help"])
        #expect(usage.status == 0)
        #expect(usage.out == """
            OVERVIEW: Check an inclusion or consistency proof offline against signed
            checkpoints; no ledger needed.

            Inclusion: give the proof file, a .tlog-proof (which carries its checkpoint and
            the entry) or the JSON of `prove --seq N --json` with --checkpoint FILE.
            Consistency: --old-checkpoint A --checkpoint B --proof P, where P is what
            `prove --old M [--json]` prints; checks that B extends A (history was appended
            to, not rewritten).
            VKEY is the operator's verifier key (as `flowledger vkey DIR` prints it),
            @FILE, or a file holding it.
            Exit codes: 0 the proof holds, 1 it does not (a signature, cosignature or proof
            fails), 2 usage or I/O.

            USAGE: flowledger verify-proof --vkey <vkey> <file.tlog-proof> [--checkpoint <cosigned copy>] [--witness-key <vkey> ...] [--json]
                   flowledger verify-proof --vkey <vkey> <file.json> --checkpoint <checkpoint> [--witness-key <vkey> ...] [--json]
                   flowledger verify-proof --vkey <vkey> --old-checkpoint <old> --checkpoint <new> --proof <proof> [--witness-key <vkey> ...] [--json]

            ARGUMENTS:
              <proof-file>            An inclusion proof: a .tlog-proof file, or the JSON
                                      of `prove --seq N --json`.

            OPTIONS:
              --vkey <vkey>           The operator's verifier key (name+keyid+base64),
                                      @FILE, or a file holding it.
              --old-checkpoint <old-checkpoint>
                                      The older signed checkpoint of a consistency proof.
              --checkpoint <checkpoint>
                                      The signed checkpoint to prove against (required with
                                      a JSON proof and for consistency).
              --proof <proof>         The consistency proof: base64 hashes one per line, or
                                      {"new","old","path"} JSON.
              --witness-key <witness-key>
                                      Also require a valid cosignature by this witness on
                                      the checkpoint (repeatable).
              --json                  Print the report as JSON.
              -h, --help              Show help information.


            """)
        let help = try flowledger(["--help"])
        #expect(help.out.contains("  verify-proof "))
        #expect(help.out.contains("  witness "))
    }

    @Test
    func consistencyBetweenCheckpointsOfOneHistoryHolds() async throws {
        defer { fx.remove() }
        let ledger = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [2, 4])
        let old = try fx.file("2.checkpoint", fx.checkpoint(ledger, size: 2))
        let new = try fx.file("4.checkpoint", fx.checkpoint(ledger, size: 4))
        let roots = try [old, new].map { try Checkpoint(text: Note(parsing: Array(contents($0).utf8)).text).root.base64 }
        for form in [["--old", "2"], ["--old", "2", "--json"]] {
            let proof = try fx.file("2-4.proof", fx.succeed(["prove", ledger] + form))
            let result = try flowledger(["verify-proof", "--vkey", fx.vkey, "--old-checkpoint", old, "--checkpoint", new, "--proof", proof])
            #expect(result.status == 0, "\(result.err)")
            #expect(result.out == """
                proof holds: checkpoint \(fx.origin) size 4 root \(roots[1]) extends size 2 root \(roots[0])
                  signed by \(fx.origin)+\(keyID)

                """)
        }
        let swapped = try flowledger(["verify-proof", "--vkey", fx.vkey, "--old-checkpoint", new, "--checkpoint", old, "--proof", fx.regulator + "/2-4.proof"])
        #expect(swapped.status == 2)
        #expect(swapped.err == "flowledger: error: \(new) is of size 4, larger than \(old) of size 2; the old checkpoint goes in --old-checkpoint, the newer in --checkpoint\n")
    }

    @Test
    func aRewrittenHistoryIsDetectedAlthoughBothCheckpointsAreSigned() async throws {
        defer { fx.remove() }
        let a = try await fx.ledger("a", parties: ["ride.example", "taxi.example", "bus.example"], checkpoints: [2, 4])
        let b = try await fx.ledger("b", parties: ["ride.example", "forged.example", "bus.example", "tram.example"], checkpoints: [2, 5])
        let old = try fx.file("a-2.checkpoint", fx.checkpoint(a, size: 2))
        let new = try fx.file("b-5.checkpoint", fx.checkpoint(b, size: 5))
        let proof = try fx.file("b-2-5.proof", fx.succeed("prove", b, "--old", "2", "--new", "5"))
        let (oldBody, newBody) = try (Checkpoint(text: Note(parsing: Array(contents(old).utf8)).text), Checkpoint(text: Note(parsing: Array(contents(new).utf8)).text))
        // Both checkpoints are genuine: signed by the one operator key.
        #expect(try flowledger(["verify-proof", "--vkey", fx.vkey, "--old-checkpoint", old, "--checkpoint", old, "--proof", "/dev/null"]).status == 0)

        let result = try flowledger(["verify-proof", "--vkey", fx.vkey, "--old-checkpoint", old, "--checkpoint", new, "--proof", proof])
        #expect(result.status == 1)
        #expect(result.out == "")
        var evidence = ""
        do {
            try MerkleTree.verifyConsistency(oldSize: 2, newSize: 5, oldRoot: oldBody.root, newRoot: newBody.root,
                                             proof: ProofFile.consistency(Array(contents(proof).utf8)).path, hash: .sha256)
        } catch let error as MerkleError {
            evidence = error.message  // the roots the proof implies and the ones the checkpoints say
        }
        #expect(evidence.hasPrefix("consistency proof implies root "))
        #expect(result.err == """
            flowledger: error: proof does not hold: checkpoint \(fx.origin) size 5 root \(newBody.root.base64) (\(new)) does NOT extend size 2 root \(oldBody.root.base64) (\(old)): \
            \(evidence)
              history was rewritten, or the proof is for other checkpoints
              both checkpoints are signed by \(fx.origin)+\(keyID); keep both files: together they are evidence

            """)
    }
}
