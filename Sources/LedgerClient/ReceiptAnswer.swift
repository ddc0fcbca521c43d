import LedgerCore
import LedgerCrypto
import LedgerStore

/// The answer to `POST v1/entries` (DESIGN §11.3): one receipt `{"hash","seq"}` per event sent,
/// in order, each with `"proof"` (a tlog-proof's text) when the client waited for a checkpoint.
enum ReceiptAnswer {
    /// The receipts in `body`, which must be exactly `count` lines.
    static func parse(_ body: [UInt8], count: Int, withProofs: Bool, what: String) throws(LedgerClientError) -> [Receipt] {
        let lines = body.split(separator: 0x0a, omittingEmptySubsequences: true)
        guard lines.count == count else {
            throw LedgerClientError(.malformedAnswer, "\(what): the server answered \(lines.count) receipts for \(count) events; the events may or may not be appended: send them again (appends are idempotent)")
        }
        var receipts: [Receipt] = []
        receipts.reserveCapacity(count)
        for (index, line) in lines.enumerated() {
            func fail(_ problem: String) -> LedgerClientError {
                LedgerClientError(.malformedAnswer, "\(what): receipt \(index + 1) \(problem); send the events again (appends are idempotent)")
            }
            guard case .object(let members)? = try? CanonicalJSONParser.parse(line),
                  case .string(let hashText)? = members["hash"], let leaf = try? Hash32(hex: hashText),
                  case .integer(let seq)? = members["seq"], seq >= 0 else {
                throw fail("is not {\"hash\",\"seq\"}")
            }
            var proof: TLogProof?
            if withProofs {
                guard case .string(let text)? = members["proof"] else { throw fail("has no proof") }
                do {
                    proof = try TLogProof(text: text)
                } catch {
                    throw fail("has a proof that is not a tlog-proof (\(error.message))")
                }
            }
            receipts.append(Receipt(seq: seq, leafHash: leaf, proof: proof))
        }
        return receipts
    }
}
