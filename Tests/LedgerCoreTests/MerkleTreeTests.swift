import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("Merkle tree (RFC 9162, CT reference vectors)")
struct MerkleTreeTests {
    nonisolated(unsafe) static let file = try! Fixtures.json("vectors/rfc6962-merkle.json")  // read-only after load
    static func hashes(_ list: Any?) -> [Hash32] { (list as! [String]).map { try! Hash32(hex: $0) } }

    static func referenceStore() throws -> MemoryHashStore {
        let store = MemoryHashStore(hash: .sha256)
        for leaf in file["leaf_inputs"] as! [String] {
            try store.append(leafHash: Entry.leafHash(line: Fixtures.bytes(hex: leaf), hash: .sha256))
        }
        return store
    }

    @Test func rootsMatchTheReferenceVectors() throws {
        let store = try Self.referenceStore()
        let roots = Self.file["roots"] as! [[String: Any]]
        #expect(roots.count == 8)
        for root in roots {
            let size = Int64(root["tree_size"] as! Int)
            #expect(try MerkleTree.rootHash(size: size, reader: store, hash: .sha256).hex == root["root"] as! String)
        }
        #expect(MerkleTree.emptyRoot(.sha256).hex == Self.file["empty_tree_root"] as! String)
    }

    @Test func inclusionProofsMatchTheReferenceVectors() throws {
        let store = try Self.referenceStore()
        let proofs = Self.file["inclusion_proofs"] as! [[String: Any]]
        #expect(proofs.count >= 5)
        for vector in proofs {
            let index = Int64(vector["leaf_index"] as! Int), size = Int64(vector["tree_size"] as! Int)
            let expected = Self.hashes(vector["path"])
            #expect(try MerkleTree.inclusionProof(index: index, size: size, reader: store, hash: .sha256) == expected)
            try MerkleTree.verifyInclusion(index: index, size: size, leafHash: try Hash32(hex: vector["leaf_hash"] as! String),
                                           proof: expected, root: try Hash32(hex: vector["root"] as! String), hash: .sha256)
        }
    }

    @Test func consistencyProofsMatchTheReferenceVectors() throws {
        let store = try Self.referenceStore()
        let proofs = Self.file["consistency_proofs"] as! [[String: Any]]
        #expect(proofs.count >= 5)
        for vector in proofs {
            let old = Int64(vector["old_size"] as! Int), new = Int64(vector["new_size"] as! Int)
            let expected = Self.hashes(vector["path"])
            #expect(try MerkleTree.consistencyProof(old: old, new: new, reader: store, hash: .sha256) == expected)
            try MerkleTree.verifyConsistency(oldSize: old, newSize: new, oldRoot: try Hash32(hex: vector["old_root"] as! String),
                                             newRoot: try Hash32(hex: vector["new_root"] as! String), proof: expected, hash: .sha256)
        }
    }

    @Test func storedHashLayoutIsGoTlogs() {
        // (level, n) in storage order, as Go's StoredHashIndex lays them out.
        let order: [(Int, Int64)] = [(0, 0), (0, 1), (1, 0), (0, 2), (0, 3), (1, 1), (2, 0), (0, 4), (0, 5), (1, 2), (0, 6), (0, 7), (1, 3), (2, 1), (3, 0), (0, 8)]
        for (position, (level, n)) in order.enumerated() {
            #expect(StoredHashes.index(level: level, n) == Int64(position), "(\(level), \(n))")
        }
        #expect((1...8).map { StoredHashes.count(size: Int64($0)) } == [1, 3, 4, 7, 8, 10, 11, 15])
    }

    /// Every proof for every (index, size) up to 200 verifies, against the direct root
    /// computation, and a flipped bit anywhere in a proof fails it.
    @Test(arguments: [HashAlgorithm.sha256, .sm3])
    func everyProofUpToSize200VerifiesAndAnyFlippedBitFails(_ hash: HashAlgorithm) throws {
        let limit: Int64 = 200
        let store = MemoryHashStore(hash: hash)
        var leaves: [Hash32] = []
        var roots: [Hash32] = []
        for n in 0..<limit {
            let leaf = Entry.leafHash(line: Array("entry \(n)".utf8), hash: hash)
            leaves.append(leaf)
            try store.append(leafHash: leaf)
            roots.append(MerkleTree.rootHash(leafHashes: leaves, hash: hash))
            #expect(try store.root() == roots.last!)
        }
        var random = SeededRandom(seed: 9162)
        for size in 1...limit {
            let root = roots[Int(size - 1)]
            for index in 0..<size {
                var proof = try MerkleTree.inclusionProof(index: index, size: size, reader: store, hash: hash)
                try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaves[Int(index)], proof: proof, root: root, hash: hash)
                if !proof.isEmpty, index % 7 == 0 {
                    let which = Int.random(in: 0..<proof.count, using: &random)
                    var bytes = proof[which].bytes
                    bytes[Int.random(in: 0..<32, using: &random)] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
                    proof[which] = try Hash32(bytes: bytes)
                    #expect(throws: MerkleError.self) {
                        try MerkleTree.verifyInclusion(index: index, size: size, leafHash: leaves[Int(index)], proof: proof, root: root, hash: hash)
                    }
                }
            }
            for old in 1...size {
                var proof = try MerkleTree.consistencyProof(old: old, new: size, reader: store, hash: hash)
                try MerkleTree.verifyConsistency(oldSize: old, newSize: size, oldRoot: roots[Int(old - 1)], newRoot: root, proof: proof, hash: hash)
                if !proof.isEmpty, old % 5 == 0 {
                    let which = Int.random(in: 0..<proof.count, using: &random)
                    var bytes = proof[which].bytes
                    bytes[Int.random(in: 0..<32, using: &random)] ^= 0x80
                    proof[which] = try Hash32(bytes: bytes)
                    #expect(throws: MerkleError.self) {
                        try MerkleTree.verifyConsistency(oldSize: old, newSize: size, oldRoot: roots[Int(old - 1)], newRoot: root, proof: proof, hash: hash)
                    }
                }
            }
        }
    }

    @Test func wrongLengthsAndRangesAreReportedWithTheSizes() throws {
        let store = try Self.referenceStore()
        let error = try #require(throws: MerkleError.self) { try MerkleTree.inclusionProof(index: 8, size: 8, reader: store, hash: .sha256) }
        #expect(error.code == .invalidRange)
        #expect(error.message.contains("entry 8 in a tree of 8"))
        let proof = try MerkleTree.inclusionProof(index: 2, size: 8, reader: store, hash: .sha256)
        let root = try store.root()
        let leaf = Entry.leafHash(line: [0x10], hash: .sha256)
        let short = try #require(throws: MerkleError.self) {
            try MerkleTree.verifyInclusion(index: 2, size: 8, leafHash: leaf, proof: Array(proof.dropLast()), root: root, hash: .sha256)
        }
        #expect(short.code == .wrongProofLength)
        let long = try #require(throws: MerkleError.self) {
            try MerkleTree.verifyInclusion(index: 2, size: 8, leafHash: leaf, proof: proof + [root], root: root, hash: .sha256)
        }
        #expect(long.code == .wrongProofLength)
        let rewritten = try #require(throws: MerkleError.self) {
            try MerkleTree.verifyConsistency(oldSize: 8, newSize: 8, oldRoot: root, newRoot: leaf, proof: [], hash: .sha256)
        }
        #expect(rewritten.code == .rootMismatch)
    }
}
