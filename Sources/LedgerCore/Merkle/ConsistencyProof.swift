import LedgerCrypto

/// An RFC 9162 consistency proof between two tree sizes (DESIGN §8): the path hashes that show
/// the tree of `new` entries extends the tree of `old` entries.
///
/// Text form (what `flowledger prove --old` prints and `verify-proof --proof` reads): one
/// base64 hash per line. JSON form: `{"new":n,"old":m,"path":["<hex>",…]}`.
public struct ConsistencyProof: Hashable, Sendable {
    /// The older (smaller) size.
    public let old: Int64
    /// The newer size.
    public let new: Int64
    /// PROOF(old, D[0:new]).
    public let path: [Hash32]

    /// Creates a proof.
    public init(old: Int64, new: Int64, path: [Hash32]) {
        self.old = old
        self.new = new
        self.path = path
    }

    /// One base64 hash per line.
    public var text: String { path.map { $0.base64 + "\n" }.joined() }

    /// `{"new":n,"old":m,"path":[…]}` with lowercase hex hashes.
    public var json: JSONValue {
        .object(["new": .integer(new), "old": .integer(old), "path": .array(path.map { .string($0.hex) })])
    }

    /// Parses the text form for the sizes given by the two checkpoints.
    public init(text: String, old: Int64, new: Int64) throws(NoteError) {
        guard text.isEmpty || text.hasSuffix("\n") else {
            throw NoteError(.malformedProof, "consistency proof text must end with a newline")
        }
        var path: [Hash32] = []
        for (number, line) in text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !text.isEmpty {
            guard path.count < TLogProof.maxPathLength * 2 else {
                throw NoteError(.malformedProof, "consistency proof has more than \(TLogProof.maxPathLength * 2) hashes")
            }
            guard let bytes = try? Base64.decode(line), let hash = try? Hash32(bytes: bytes) else {
                throw NoteError(.malformedProof, "consistency proof line \(number + 1) is not canonical base64 of a 32-byte hash")
            }
            path.append(hash)
        }
        self.init(old: old, new: new, path: path)
    }

    /// Checks the proof between two checkpoints of the same log.
    public func verify(old oldCheckpoint: Checkpoint, new newCheckpoint: Checkpoint, hash: HashAlgorithm) throws {
        try MerkleTree.verifyConsistency(oldSize: oldCheckpoint.size, newSize: newCheckpoint.size, oldRoot: oldCheckpoint.root,
                                         newRoot: newCheckpoint.root, proof: path, hash: hash)
    }
}
