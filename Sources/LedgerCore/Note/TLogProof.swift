import LedgerCrypto

/// An inclusion proof in the c2sp.org/tlog-proof@v1 text format (file extension `.tlog-proof`):
/// one file proves one entry offline with nothing but the operator's verifier key.
///
///     c2sp.org/tlog-proof@v1
///     extra <base64 of the entry line>        (optional)
///     index <n>
///     <base64 path hash, from the leaf's sibling up>   (zero or more)
///     <blank line>
///     <signed checkpoint>
///
/// FlowLedger puts the entry line itself in `extra`, so the leaf hash H(0x00 || line) can be
/// recomputed from the file.
public struct TLogProof: Hashable, Sendable {
    /// The format's first line.
    public static let header = "c2sp.org/tlog-proof@v1"
    /// At most this many path hashes (enough for 2^63 leaves).
    public static let maxPathLength = 63

    /// Unauthenticated extra data: for FlowLedger, the entry line (without newline).
    public let extra: [UInt8]?
    /// The entry's index (its seq).
    public let index: Int64
    /// The inclusion path, from the leaf's sibling up.
    public let path: [Hash32]
    /// The signed checkpoint note, verbatim.
    public let checkpoint: String

    /// Creates a proof.
    public init(extra: [UInt8]?, index: Int64, path: [Hash32], checkpoint: String) {
        self.extra = extra
        self.index = index
        self.path = path
        self.checkpoint = checkpoint
    }

    /// The file text.
    public var text: String {
        var out = Self.header + "\n"
        if let extra { out += "extra \(Base64.encode(extra))\n" }
        out += "index \(index)\n"
        for hash in path { out += hash.base64 + "\n" }
        return out + "\n" + checkpoint
    }

    /// Parses the file text strictly.
    public init(text: String) throws(NoteError) {
        var lines = text[...]
        var number = 0  // of the line last read, 1-based, for messages
        func nextLine(_ what: String) throws(NoteError) -> Substring {
            guard let newline = lines.firstIndex(of: "\n") else {
                throw NoteError(.malformedProof, "tlog-proof line \(number + 1): the file ends before \(what)")
            }
            number += 1
            let line = lines[..<newline]
            lines = lines[lines.index(after: newline)...]
            return line
        }
        guard try nextLine("its header") == Self.header else {
            throw NoteError(.malformedProof, "tlog-proof line 1: must be \"\(Self.header)\"")
        }
        var line = try nextLine("the index line")
        var extra: [UInt8]?
        if line.hasPrefix("extra ") {
            do {
                extra = try Base64.decode(line.dropFirst(6), field: "tlog-proof line \(number) (extra)")
            } catch {
                throw NoteError(.malformedProof, error.message)
            }
            line = try nextLine("the index line")
        }
        guard line.hasPrefix("index "), let index = Int64(line.dropFirst(6)), index >= 0, String(index) == line.dropFirst(6) else {
            throw NoteError(.malformedProof, "tlog-proof line \(number): expected \"index <n>\" (decimal, no leading zeros), found \"\(line.prefix(40))\"")
        }
        var path: [Hash32] = []
        while true {
            let hashLine = try nextLine("the blank line before the checkpoint")
            if hashLine.isEmpty { break }
            guard path.count < Self.maxPathLength else {
                throw NoteError(.malformedProof, "tlog-proof line \(number): more than \(Self.maxPathLength) path hashes")
            }
            guard let bytes = try? Base64.decode(hashLine), let hash = try? Hash32(bytes: bytes) else {
                throw NoteError(.malformedProof, "tlog-proof line \(number): path hash \(path.count + 1) is not canonical base64 of 32 bytes")
            }
            path.append(hash)
        }
        self.init(extra: extra, index: index, path: path, checkpoint: String(lines))
    }

    /// Verifies the proof offline: the checkpoint is signed by a key in `verifiers` (and names
    /// `origin`, when given), and the entry line in `extra` is leaf `index` of that tree.
    /// - Returns: the verified checkpoint.
    public func verify(verifiers: [VerifierKey], hash: HashAlgorithm, origin: String? = nil) throws -> Checkpoint {
        guard let extra else {
            throw NoteError(.malformedProof, "tlog-proof has no extra line with the entry; FlowLedger proofs carry the entry line there")
        }
        let (checkpoint, _) = try Checkpoint.open(Array(checkpoint.utf8), verifiers: verifiers, origin: origin)
        let leaf = Entry.leafHash(line: extra, hash: hash)
        try MerkleTree.verifyInclusion(index: index, size: checkpoint.size, leafHash: leaf, proof: path, root: checkpoint.root, hash: hash)
        return checkpoint
    }
}
