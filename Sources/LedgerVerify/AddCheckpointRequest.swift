import LedgerCore
import LedgerCrypto

/// The body of a C2SP tlog-witness `POST add-checkpoint` (c2sp.org/tlog-witness, DESIGN §11.5):
///
///     old <size>\n
///     <base64 consistency proof hash>\n     (zero to 63 lines)
///     \n
///     <signed checkpoint note>
///
/// The old size is the size of the checkpoint the client believes the witness cosigned last
/// (0 for none), as a decimal without leading zeros; the proof is RFC 9162 PROOF(old, new).
/// Parsed strictly: anything else is a malformed request (HTTP 400).
///
/// ```swift
/// let request = try AddCheckpointRequest(parsing: body)
/// request.oldSize, request.proof, request.checkpoint   // 20852014, [Hash32…], the note's bytes
/// ```
package struct AddCheckpointRequest: Hashable, Sendable {
    /// The most consistency proof lines a client may send (c2sp.org/tlog-witness).
    package static let maxProofLines = 63
    /// The largest body accepted: the old size line, 63 proof lines and a note.
    package static let maxBytes = 64 + maxProofLines * 46 + Note.maxBytes

    /// The size of the checkpoint the client says the witness cosigned last (0 for none).
    package let oldSize: Int64
    /// The consistency proof from `oldSize` to the checkpoint's size.
    package let proof: [Hash32]
    /// The signed checkpoint note's bytes, unparsed.
    package let checkpoint: [UInt8]

    /// Creates a request.
    package init(oldSize: Int64, proof: [Hash32], checkpoint: [UInt8]) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    /// The request's body bytes.
    package var serialized: [UInt8] {
        Array(("old \(oldSize)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n").utf8) + checkpoint
    }

    /// Parses a request body; the error says which line is wrong.
    package init(parsing body: [UInt8]) throws(WitnessError) {
        func bad(_ why: String) -> WitnessError {
            WitnessError(.malformedInput, "not a tlog-witness add-checkpoint body: \(why); send \"old <size>\", one base64 consistency proof hash per line, a blank line, then the signed checkpoint (c2sp.org/tlog-witness)")
        }
        guard body.count <= Self.maxBytes else { throw bad("it is \(body.count) bytes, more than the \(Self.maxBytes) allowed") }
        var position = 0
        func nextLine() -> ArraySlice<UInt8>? {
            guard let newline = body[position...].firstIndex(of: 0x0a) else { return nil }
            defer { position = newline + 1 }
            return body[position..<newline]
        }
        guard let first = nextLine() else { throw bad("it has no \"old <size>\" line ending in a newline") }
        let firstText = String(decoding: first, as: UTF8.self)
        guard firstText.hasPrefix("old ") else { throw bad("the first line \(quotedForMessage(firstText)) does not start with \"old \"") }
        let sizeText = firstText.dropFirst(4)
        guard let oldSize = Int64(sizeText), oldSize >= 0, String(oldSize) == sizeText else {
            throw bad("the old size \(quotedForMessage(sizeText)) is not a decimal without leading zeros")
        }
        var proof: [Hash32] = []
        while true {
            guard let line = nextLine() else { throw bad("no blank line ends the consistency proof") }
            if line.isEmpty { break }
            guard proof.count < Self.maxProofLines else { throw bad("more than \(Self.maxProofLines) consistency proof lines") }
            guard let bytes = try? Base64.decode(String(decoding: line, as: UTF8.self)), let hash = try? Hash32(bytes: bytes) else {
                throw bad("consistency proof line \(proof.count + 1) is not canonical base64 of a 32-byte hash")
            }
            proof.append(hash)
        }
        guard position < body.count else { throw bad("no checkpoint follows the blank line") }
        self.init(oldSize: oldSize, proof: proof, checkpoint: Array(body[position...]))
    }
}
