import AsyncHTTPClient
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore
import NIOCore
import NIOHTTP1
import Synchronization

/// The operator's side of c2sp.org/tlog-witness (DESIGN §11.5, `serve --witness URL=VKEY`): asks
/// one witness to cosign a checkpoint with `POST <URL>/add-checkpoint` — `old <size>`, the RFC 9162
/// consistency proof from that size (one base64 hash a line), a blank line, the signed note — and
/// checks the cosignature lines it answers under the witness's key before they are used.
///
/// It remembers the size the witness cosigned last (0 before the first answer): on `409` with
/// `text/x.tlog.size` it learns the witness's size and asks once more from there.
///
/// ```swift
/// let witness = WitnessClient(url: "http://127.0.0.1:8741/", key: regulatorVkey)
/// let lines = try await witness.cosign(note: note, size: 1200, reader: reader)
/// ```
package final class WitnessClient: Sendable {
    /// The witness's base URL, ending in `/`.
    package let url: String
    /// The witness's cosignature key.
    package let key: VerifierKey
    private let knownSize = Mutex<Int64>(0)
    /// How long one request may take. A witness answers at once (it checks a proof and syncs a
    /// small file); the HTTP client keeps trying to connect to one that is down until this
    /// deadline, so it is what a down witness delays each checkpoint by.
    static let timeout: TimeAmount = .seconds(3)

    /// A witness at `url` whose cosignatures verify under `key`.
    package init(url: String, key: VerifierKey) {
        self.url = url.hasSuffix("/") ? url : url + "/"
        self.key = key
    }

    /// The witness's cosignature of `note` (a checkpoint of `size` entries signed by the
    /// operator), checked under ``key``.
    /// - Throws: ``WitnessClientError`` saying what the witness answered, or that it could not be
    ///   reached.
    package func cosign(note: String, size: Int64, log: any ServedLog) async throws(WitnessClientError) -> [Note.Signature] {
        var attempts = 0
        while true {
            attempts += 1
            let old = min(knownSize.withLock { $0 }, size)
            let proof: [Hash32]
            do {
                proof = old == 0 || old == size ? [] : try log.consistencyProof(old: old, new: size)
            } catch {
                throw WitnessClientError("\(url): cannot make the consistency proof from size \(old) to \(size) for the witness: \(error)")
            }
            let body = "old \(old)\n" + proof.map { $0.base64 + "\n" }.joined() + "\n" + note
            let (status, contentType, answer) = try await post(body)
            switch status {
            case 200:
                let signatures = try check(answer, note: note)
                knownSize.withLock { $0 = max($0, size) }
                return signatures
            case 409 where contentType.hasPrefix("text/x.tlog.size") && attempts < 3:
                guard let learned = Int64(answer.trimmingCharacters(in: .whitespacesAndNewlines)), learned >= 0 else {
                    throw WitnessClientError("\(url)add-checkpoint: 409 with a size that is not a number (\(answer.prefix(40)))")
                }
                guard learned <= size else {
                    throw WitnessClientError("\(url)add-checkpoint: the witness has cosigned size \(learned), larger than this checkpoint's \(size); is it following another log of the same origin? Check with its operator")
                }
                knownSize.withLock { $0 = learned }
            default:
                throw WitnessClientError("\(url)add-checkpoint answered \(status): \(answer.prefix(300).trimmingCharacters(in: .whitespacesAndNewlines))")
            }
        }
    }

    /// The cosignature lines of a 200 answer, each checked to be this witness's over `note`'s text.
    private func check(_ answer: String, note: String) throws(WitnessClientError) -> [Note.Signature] {
        let cosigned: Note
        do {
            cosigned = try Note(parsing: Array((note + answer).utf8))
        } catch {
            throw WitnessClientError("\(url)add-checkpoint: the answer is not cosignature lines: \(error.message)")
        }
        let operatorLines = (try? Note(parsing: Array(note.utf8)).signatures.count) ?? 0
        let lines = Array(cosigned.signatures.dropFirst(operatorLines)).filter { $0.isBy(key) }
        let message = Array(cosigned.text.utf8)
        guard !lines.isEmpty, lines.allSatisfy({ key.verify(message: message, signature: $0.bytes) }) else {
            throw WitnessClientError("\(url)add-checkpoint: the answer has no cosignature that verifies under \(key.name)+\(Note.hex(key.keyID)); is --witness given the witness's key?")
        }
        return lines
    }

    /// POSTs `body`; the status, content type and body of the answer.
    private func post(_ body: String) async throws(WitnessClientError) -> (Int, String, String) {
        var request = HTTPClientRequest(url: url + "add-checkpoint")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "text/plain; charset=utf-8")
        request.body = .bytes(ByteBuffer(string: body))
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: Self.timeout)
            let bytes = try await response.body.collect(upTo: 1 << 16)
            return (Int(response.status.code), response.headers.first(name: "Content-Type") ?? "", String(buffer: bytes))
        } catch {
            throw WitnessClientError("\(url): the witness cannot be reached (\(error))")
        }
    }
}

/// Why a witness did not cosign: what it answered, or that it could not be reached.
package struct WitnessClientError: Error, CustomStringConvertible, Sendable {
    /// What went wrong, with the witness's URL.
    package let description: String
    init(_ description: String) { self.description = description }
}
