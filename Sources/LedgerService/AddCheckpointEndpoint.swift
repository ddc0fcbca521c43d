import Foundation
import Hummingbird
import HTTPTypes
import LedgerCore
import LedgerVerify
import LedgerWire
import Logging
import NIOCore

/// `POST add-checkpoint` of `flowledger witness serve` (c2sp.org/tlog-witness, DESIGN §11.5): reads
/// the body within its limits, hands it to ``TLogWitness`` and turns the outcome into the status
/// the spec names. 200 is the cosignature lines (`text/plain`); 409 is the witness's size for
/// the log and a newline (`text/x.tlog.size`), as the spec requires; every other refusal is
/// FlowLedger's JSON error (DESIGN §11), its message saying what was wrong.
struct AddCheckpointEndpoint: Sendable {
    let witness: TLogWitness
    let bodyTimeout: Duration
    let logger: Logger
    /// Requests decided at once; more get 503 (a log operator retries; see ``ConcurrencyLimit``).
    let deciding = ConcurrencyLimit(16)

    /// The answer to one request.
    func handle(_ request: Request) async -> Response {
        let body: [UInt8]
        do {
            body = try await RequestBodyReader.collect(request, limit: AddCheckpointRequest.maxBytes, timeout: bodyTimeout,
                                                     advice: "send an old size line, at most \(AddCheckpointRequest.maxProofLines) proof lines and one checkpoint note")
        } catch {
            return error.response
        }
        // The state file is read, decided on and fsynced under a lock: on a thread of its own,
        // not on one of the few threads every task shares.
        let witness = self.witness
        let decided = await deciding.run {
            await onOwnThread(named: "flowledger-witness") {
                Result { () throws(WitnessError) in try witness.addCheckpoint(body, time: UInt64(max(0, Timestamp.now().seconds))) }
            }
        }
        guard let outcome = decided else {
            if let count = deciding.turnedAway(reportingEvery: .seconds(10)) {
                logger.warning("add-checkpoint: answered 503 to \(count) request(s) since the last such line: \(deciding.limit) were being decided already")
            }
            return Refusal(503, "unavailable", "this witness is deciding \(deciding.limit) requests already; retry shortly", retryAfter: 1).response
        }
        switch outcome {
        case .failure(let error):
            logger.error("add-checkpoint: the witness cannot work: \(error.message)")
            return Refusal(500, "io", "the witness cannot read or write its state: \(error.message)").response
        case .success(.cosigned(let lines, let checkpoint)):
            logger.notice("cosigned \(checkpoint.origin) size \(checkpoint.size) root \(checkpoint.root.base64)")
            return WireAnswer.ok(Array(lines.utf8), contentType: "text/plain; charset=utf-8")
        case .success(.conflict(let size, let message, let evidence)):
            if evidence != nil { logger.error("add-checkpoint: \(message)") } else { logger.info("add-checkpoint: \(message)") }
            return Response(status: .conflict, headers: [.contentType: "text/x.tlog.size"],
                            body: .init(byteBuffer: ByteBuffer(string: "\(size)\n")))
        case .success(.inconsistent(let message, _)):
            logger.warning("add-checkpoint: \(message)")
            return Refusal(422, "inconsistent", message).response
        case .success(.malformed(let message)):
            return Refusal(400, "malformed", message).response
        case .success(.forbidden(let message)):
            return Refusal(403, "forbidden", message).response
        case .success(.unknownOrigin(let message)):
            return Refusal(404, "notFound", message).response
        }
    }
}
