import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import LedgerVerify
import Testing

/// The files a regulator is handed — proofs in text or JSON, a witness's state — are parsed
/// strictly: mutated copies of real ones give an error or a value, never a trap.
@Suite("Fuzzing the regulators' inputs (ProofFile, WitnessState)")
struct RegulatorInputFuzzTests {
    /// Real proofs of the intact corpus ledger, as `flowledger prove` prints them.
    static func proofSeeds() throws -> (inclusion: [[UInt8]], consistency: [[UInt8]]) {
        let proofs = ProofService(reader: try LedgerReader(directory: Fixtures.url("ledgers/intact").path))
        let tlog = try proofs.inclusionProof(seq: 9)
        let leaf = Entry.leafHash(line: tlog.extra!, hash: .sha256)
        let json = CanonicalJSON.encode(.object(["index": .integer(9), "leaf": .string(leaf.hex),
                                                 "path": .array(tlog.path.map { .string($0.hex) }), "size": .integer(20)]))
        let (consistency, _, _) = try proofs.consistencyProof(old: 13, new: 20)
        return ([Array(tlog.text.utf8), json], [Array(consistency.text.utf8), CanonicalJSON.encode(consistency.json)])
    }

    @Test
    func mutatedProofFilesNeverTrap() throws {
        let (inclusion, consistency) = try Self.proofSeeds()
        // The seeds themselves parse.
        for seed in inclusion { _ = try ProofFile.inclusion(seed) }
        for seed in consistency { _ = try ProofFile.consistency(seed) }
        var random = SeededRandom(seed: 9162)
        let seeds = inclusion + consistency
        for round in 0..<4_000 {
            var input = seeds[round % seeds.count]
            FuzzCorpus.mutate(&input, using: &random)
            _ = try? ProofFile.inclusion(input)
            _ = try? ProofFile.consistency(input)
        }
    }

    @Test
    func mutatedWitnessStatesNeverTrap() throws {
        let witness = try NoteSigner(name: "witness.fuzz.example", key: PrivateKey.generate(suite: .ed25519SHA256), cosigner: true)
        let signed = try Note(parsing: Data(contentsOf: Fixtures.url("ledgers/intact/checkpoints/13.checkpoint")))
        let cosigned = signed.adding([try witness.signature(over: signed.text, timestamp: 1_764_000_000)]).serialized
        let seed = WitnessState(witnessKey: witness.verifierKey).recording(cosigned, origin: "exchange.fixtures.example/2026").serialized
        #expect(try WitnessState(parsing: seed, source: "seed").latest(origin: "exchange.fixtures.example/2026")?.checkpoint.size == 13)
        var random = SeededRandom(seed: 4)
        for _ in 0..<4_000 {
            var input = seed
            FuzzCorpus.mutate(&input, using: &random)
            _ = try? WitnessState(parsing: input, source: "fuzz")
        }
    }
}
