import LedgerCore
import LedgerCrypto

/// What an append returns once the entry is durable: its position and leaf hash
/// (`{"hash":"<hex L(seq)>","seq":n}` on the command line).
public struct Receipt: Hashable, Sendable, CustomStringConvertible {
    /// The entry's seq.
    public let seq: Int64
    /// The entry's leaf hash L(seq) = H(0x00 || line).
    public let leafHash: Hash32

    /// Creates a receipt.
    package init(seq: Int64, leafHash: Hash32) {
        self.seq = seq
        self.leafHash = leafHash
    }

    /// `{"hash":"…","seq":n}`, canonical JSON.
    public var json: JSONValue { .object(["hash": .string(leafHash.hex), "seq": .integer(seq)]) }

    /// The canonical JSON text.
    public var description: String { String(decoding: CanonicalJSON.encode(json), as: UTF8.self) }
}
