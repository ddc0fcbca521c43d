import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport
import Testing
@testable import LedgerStore

/// Proofs and checkpoints from the store (DESIGN §8): every entry of a ledger of a few thousand
/// entries spread over many segments proves against the published checkpoints with the
/// foundation's verifier, and consistency holds between every pair of checkpoints.
@Suite("Proofs from the store (StoreProofs)")
struct StoreProofTests {
    @Test(arguments: [Suite.ed25519SHA256, .sm2SM3])
    func everyEntryProvesAcrossSegmentBoundaries(_ suite: Suite) async throws {
        let scenario = try Scenario(suite: suite)
        defer { scenario.removeAll() }
        var options = WriterOptions()
        options.segmentLimit = 64 << 10
        let ledger = try await scenario.create(options: options)
        let count = suite == .sm2SM3 ? 600 : 2500
        let events = try (0..<count).map { try scenario.exchange($0) }
        var checkpointSizes: [Int64] = []
        for start in stride(from: 0, to: count, by: 500) {
            _ = try await ledger.append(Array(events[start..<min(count, start + 500)]))
            checkpointSizes.append(try ledger.checkpoint(operatorKey: scenario.operatorKey).checkpoint.size)
        }
        let size = ledger.size
        ledger.close()
        let segments = try FileManager.default.contentsOfDirectory(atPath: LedgerLayout(directory: scenario.directory).log)
        #expect(segments.count > 5)

        // A regulator's side: only the vkey string and the proof files.
        let vkey = try VerifierKey(string: try LedgerReader(directory: scenario.directory).checkpoints.operatorVerifierKey().string)
        let reader = try LedgerReader(directory: scenario.directory)
        let proofs = ProofService(reader: reader)
        for seq in 0..<size {
            let text = try proofs.inclusionProof(seq: seq).text
            let proof = try TLogProof(text: text)
            #expect(try proof.verify(verifiers: [vkey], hash: suite.hash, origin: scenario.origin).size == size)
            #expect(proof.extra == (try reader.line(at: seq)))
        }
        // Against an older checkpoint too, and consistency between every pair.
        let oldSize = checkpointSizes[1]
        let old = try proofs.inclusionProof(seq: oldSize - 1, checkpointSize: oldSize)
        #expect(try old.verify(verifiers: [vkey], hash: suite.hash).size == oldSize)
        for (i, a) in checkpointSizes.enumerated() {
            for b in checkpointSizes[i...] {
                let (proof, oldNote, newNote) = try proofs.consistencyProof(old: a, new: b)
                let (oldCheckpoint, _) = try Checkpoint.open(Array(oldNote.utf8), verifiers: [vkey])
                let (newCheckpoint, _) = try Checkpoint.open(Array(newNote.utf8), verifiers: [vkey])
                let parsed = try ConsistencyProof(text: proof.text, old: a, new: b)
                try parsed.verify(old: oldCheckpoint, new: newCheckpoint, hash: suite.hash)
            }
        }
    }

    @Test
    func treeFrontierWritesTheSameStoredHashesAsTheCoreMerkleStore() throws {
        var frontier = TreeFrontier()
        var written: [Hash32] = []
        let store = MemoryHashStore(hash: .sha256)
        for n in 0..<1100 {
            let leaf = HashAlgorithm.sha256.hash(Array("leaf \(n)".utf8))
            try store.append(leafHash: leaf)
            written += try frontier.append(leafHash: leaf, hash: .sha256)
            #expect(written == store.hashes)
            if n % 97 == 0 {
                // A frontier rebuilt from the stored hashes (as at open) continues identically.
                frontier = try TreeFrontier(size: store.size, reader: store)
            }
        }
    }

    @Test
    func aCheckpointFileChangedAfterItWasTrustedIsRefused() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        let note = try ledger.checkpoint(operatorKey: scenario.operatorKey).note
        ledger.close()
        let proofs = ProofService(reader: try LedgerReader(directory: scenario.directory))
        _ = try proofs.inclusionProof(seq: 2)  // the checkpoint is now verified (and remembered)
        // Same size, another root, the operator's signature line kept: a forged checkpoint.
        var lines = note.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        lines[2] = HashAlgorithm.sha256.hash(Array("forged".utf8)).base64
        try lines.joined(separator: "\n").write(toFile: LedgerLayout(directory: scenario.directory).latestCheckpoint, atomically: true, encoding: .utf8)
        let error = try #require(throws: StoreError.self) { try proofs.inclusionProof(seq: 2) }
        #expect(error.code == .damaged)
        #expect(error.message.contains("not a checkpoint signed by this ledger's operator"), "\(error.message)")
    }

    @Test
    func proofRequestsOutsideThePublishedCheckpointsSayWhatToDo() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let none = try #require(throws: StoreError.self) { try ledger.inclusionProof(seq: 1) }
        #expect(none.message.contains("no published checkpoint yet"))
        try ledger.checkpoint(operatorKey: scenario.operatorKey)
        _ = try await ledger.append(scenario.exchange(1))
        let beyond = try #require(throws: StoreError.self) { try ledger.inclusionProof(seq: 6) }
        #expect(beyond.message.contains("not covered by the checkpoint of size 6"))
        let missing = try #require(throws: StoreError.self) { try ledger.consistencyProof(old: 3) }
        #expect(missing.message.contains("no checkpoint of size 3 was published; the latest published is of size 6"), "\(missing.message)")
        let wrongKey = try #require(throws: StoreError.self) { try ledger.checkpoint(operatorKey: scenario.platformKey) }
        #expect(wrongKey.code == .wrongKey)
    }
}
