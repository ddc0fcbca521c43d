import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// The foundation's whole job in memory, as the README's first command shows it: parties sign
/// events, entries chain, the Merkle tree grows, the operator signs a checkpoint, and a regulator
/// checks a tlog-proof and a consistency proof with nothing but the verifier key.
@Suite("End to end over the core (EndToEnd)")
struct EndToEndTests {
    @Test(arguments: Suite.allCases)
    func chainedEntriesProveInclusionAndConsistencyAgainstSignedCheckpoints(_ suite: Suite) throws {
        let origin = "exchange.sh.gov.example/2026"
        let operatorKey = try PrivateKey.generate(suite: suite)
        let platformKey = try PrivateKey.generate(suite: suite)
        let hash = suite.hash
        let store = MemoryHashStore(hash: hash)
        var lines: [[UInt8]] = []
        var prev = Hash32.zero
        var micros: Int64 = 1_795_420_800_000_000

        func append(_ author: String, _ key: PrivateKey, _ body: EventBody) throws {
            let event = try Event(id: "e-\(lines.count)", author: author, keyID: key.publicKey.keyID,
                                  at: Timestamp(microsecondsSinceEpoch: micros), body: body)
            let entry = try Entry(seq: Int64(lines.count), time: Timestamp(microsecondsSinceEpoch: micros), prev: prev,
                                  signed: SignedEvent(event: event, origin: origin, signer: key))
            let line = entry.line
            prev = Entry.leafHash(line: line, hash: hash)
            try store.append(leafHash: prev)
            lines.append(line)
            micros += 1_000
        }

        try append("ops.exchange", operatorKey, .genesis(try GenesisBody(origin: origin, suite: suite, operator: .init(party: "ops.exchange", name: "Operator", key: operatorKey.publicKey))))
        try append("ops.exchange", operatorKey, .partyRegistered(PartyRegisteredBody(party: "ride.example", name: "Ride platform", kind: .enterprise, roles: [.provider], key: platformKey.publicKey)))
        for n in 0..<30 {
            try append("ride.example", platformKey, .exchangeSent(ExchangeSentBody(
                exchange: "x-\(n)", dataset: "trips", recipient: "transport.sh", grant: nil, purpose: "supervision",
                fields: ["end", "start"], records: Int64(n), bytes: Int64(100 * n), digest: hash.hash(Array("payload \(n)".utf8)).hex)))
        }

        // Every line re-parses to an entry whose signature verifies and whose prev chains.
        var expectedPrev = Hash32.zero
        for (seq, line) in lines.enumerated() {
            let entry = try Entry(line: line)
            #expect(entry.seq == Int64(seq) && entry.prev == expectedPrev)
            let key = seq < 2 ? operatorKey.publicKey : platformKey.publicKey
            #expect(entry.signed.verify(with: key, origin: origin))
            expectedPrev = Entry.leafHash(line: line, hash: hash)
        }

        let signer = try NoteSigner(name: origin, key: operatorKey)
        let vkey = try VerifierKey(string: signer.verifierKey.string)
        let old = try signer.sign(Checkpoint(origin: origin, size: 10, root: MerkleTree.rootHash(size: 10, reader: store, hash: hash)).text)
        let new = try signer.sign(Checkpoint(origin: origin, size: store.size, root: store.root()).text)

        // Inclusion: a tlog-proof file for entry 17 verifies offline with only the vkey.
        let proof = TLogProof(extra: lines[17], index: 17, path: try MerkleTree.inclusionProof(index: 17, size: store.size, reader: store, hash: hash), checkpoint: new.serialized)
        let parsed = try TLogProof(text: proof.text)
        #expect(parsed == proof)
        #expect(try parsed.verify(verifiers: [vkey], hash: hash, origin: origin).size == store.size)
        var edited = lines[17]
        edited[edited.count - 5] ^= 1
        let forged = TLogProof(extra: edited, index: 17, path: proof.path, checkpoint: proof.checkpoint)
        #expect(throws: MerkleError.self) { try forged.verify(verifiers: [vkey], hash: hash) }

        // Consistency: the later checkpoint extends the earlier one…
        let (oldCheckpoint, _) = try Checkpoint.open(Array(old.serialized.utf8), verifiers: [vkey])
        let (newCheckpoint, _) = try Checkpoint.open(Array(new.serialized.utf8), verifiers: [vkey])
        let consistency = try MerkleTree.consistencyProof(old: 10, new: store.size, reader: store, hash: hash)
        try MerkleTree.verifyConsistency(oldSize: 10, newSize: newCheckpoint.size, oldRoot: oldCheckpoint.root, newRoot: newCheckpoint.root, proof: consistency, hash: hash)

        // …and a history rewritten below the old checkpoint is caught even though it is signed.
        let rewritten = MemoryHashStore(hash: hash)
        for (seq, line) in lines.enumerated() {
            try rewritten.append(leafHash: Entry.leafHash(line: seq == 3 ? line + [0x20] : line, hash: hash))
        }
        let rewrittenNote = try signer.sign(Checkpoint(origin: origin, size: rewritten.size, root: rewritten.root()).text)
        let (rewrittenCheckpoint, _) = try Checkpoint.open(Array(rewrittenNote.serialized.utf8), verifiers: [vkey])
        let badProof = try MerkleTree.consistencyProof(old: 10, new: rewritten.size, reader: rewritten, hash: hash)
        let error = try #require(throws: MerkleError.self) {
            try MerkleTree.verifyConsistency(oldSize: 10, newSize: rewrittenCheckpoint.size, oldRoot: oldCheckpoint.root, newRoot: rewrittenCheckpoint.root, proof: badProof, hash: hash)
        }
        #expect(error.code == .rootMismatch)
        #expect(error.message.contains("rewritten"))
    }
}
