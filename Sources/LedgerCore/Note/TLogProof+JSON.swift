import LedgerCrypto

extension TLogProof {
    /// DESIGN §8's JSON form of an inclusion proof, lowercase hex:
    /// `{"index":i,"leaf":"<leaf hash>","path":[…],"size":n}` (path from the leaf's sibling up).
    /// Needs the entry line (`extra`) and reads the size from the checkpoint's body.
    package func json(hash: HashAlgorithm) throws -> JSONValue {
        guard let extra else {
            throw NoteError(.malformedProof, "the proof carries no entry line (extra), so its leaf hash is unknown")
        }
        let checkpoint = try Checkpoint(text: Note(parsing: Array(checkpoint.utf8)).text)
        return .object([
            "index": .integer(index), "leaf": .string(Entry.leafHash(line: extra, hash: hash).hex),
            "path": .array(path.map { .string($0.hex) }), "size": .integer(checkpoint.size),
        ])
    }
}
