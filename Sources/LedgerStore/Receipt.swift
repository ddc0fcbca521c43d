import LedgerCore
import LedgerCrypto

/// What an append returns once the entry is durable: its position and leaf hash
/// (`{"hash":"<hex L(seq)>","seq":n}` on the command line), and, from a served ledger asked to
/// wait for a checkpoint, the checked proof that a published checkpoint includes it.
public struct Receipt: Hashable, Sendable, CustomStringConvertible {
    /// The entry's seq.
    public let seq: Int64
    /// The entry's leaf hash L(seq) = H(0x00 || line).
    public let leafHash: Hash32
    /// The tlog-proof (c2sp.org/tlog-proof@v1) of the entry in a published checkpoint, already
    /// checked by the client that received it (`wait: .checkpoint`); nil otherwise.
    public let proof: TLogProof?

    /// Creates a receipt.
    package init(seq: Int64, leafHash: Hash32, proof: TLogProof? = nil) {
        self.seq = seq
        self.leafHash = leafHash
        self.proof = proof
    }

    /// `{"hash":"…","seq":n}`, with `"proof":"<tlog-proof text>"` when there is one; canonical JSON.
    public var json: JSONValue {
        var members: [String: JSONValue] = ["hash": .string(leafHash.hex), "seq": .integer(seq)]
        if let proof { members["proof"] = .string(proof.text) }
        return .object(members)
    }

    /// The canonical JSON text (``json`` encoded; without a proof it is written directly, as
    /// `append` prints one per entry).
    public var description: String {
        guard proof == nil else { return String(decoding: CanonicalJSON.encode(json), as: UTF8.self) }
        return #"{"hash":""# + leafHash.hex + #"","seq":"# + String(seq) + "}"
    }
}
