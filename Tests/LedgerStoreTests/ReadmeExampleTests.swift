import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// The complete participant program shown in README.md ("A participant's program"), compiled
/// and run, so the README cannot drift from the API. Keep the two in step.
@Suite("README participant program (ReadmeExample)")
struct ReadmeExampleTests {
    @Test
    func readmeParticipantProgramRuns() async throws {
        let directory = try temporaryDirectory().appendingPathComponent("exchange").path
        defer { try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path) }
        let printed = try await participantProgram(directory: directory)
        #expect(printed == "entry 5 is in the checkpoint of 7 entries")
    }

    // README participant: begin
    func participantProgram(directory: String) async throws -> String {
        // Keys: in production each party loads its own PEM file (PrivateKey(pem:)).
        let operatorKey = try PrivateKey.generate(suite: .ed25519SHA256)
        let platformKey = try PrivateKey.generate(suite: .ed25519SHA256)
        let commissionKey = try PrivateKey.generate(suite: .ed25519SHA256)

        // The operator creates the ledger once (what `flowledger init` does) and registers parties.
        let ledger = try Ledger.create(at: directory, origin: "exchange.sh.gov.example/2026",
                                       operatorID: "ops.exchange", operatorKey: operatorKey)
        defer { ledger.close() }
        let operatorParty = Participant(id: "ops.exchange", key: operatorKey, origin: ledger.origin)
        let platform = Participant(id: "ride.example", key: platformKey, origin: ledger.origin)
        let commission = Participant(id: "transport.sh", key: commissionKey, origin: ledger.origin)
        _ = try await ledger.append([
            try operatorParty.sign(.partyRegistered(PartyRegisteredBody(
                party: platform.id, name: "Ride platform", kind: .enterprise, roles: [.provider],
                key: platformKey.publicKey)), id: "register-ride"),
            try operatorParty.sign(.partyRegistered(PartyRegisteredBody(
                party: commission.id, name: "Transport commission", kind: .government, roles: [.recipient],
                key: commissionKey.publicKey)), id: "register-commission"),
        ])

        // The platform catalogs its trip records, grants the commission access and records a
        // delivery: only a digest of the payload enters the ledger. One batch, all or nothing.
        let payload = Array("trip records of 2026-11-23".utf8)
        let digest = HashAlgorithm.sha256.hash(payload).hex
        let receipts = try await ledger.append([
            try platform.sign(.datasetCataloged(DatasetCatalogedBody(
                dataset: "trips", title: "Trip records", sharing: .conditional, level: .important,
                fields: ["driver", "end", "start"])), id: "catalog-trips"),
            try platform.sign(.grantIssued(GrantIssuedBody(
                grant: "g-1", dataset: "trips", grantee: commission.id, purpose: "supervision",
                fields: ["end", "start"], from: Timestamp(parsing: "2026-11-23T00:00:00Z"),
                until: Timestamp(parsing: "2027-11-23T00:00:00Z"), basis: "Transport regulation art. 12")), id: "grant-1"),
            try platform.sign(.exchangeSent(ExchangeSentBody(
                exchange: "x-1", dataset: "trips", recipient: commission.id, grant: "g-1", purpose: "supervision",
                fields: ["end", "start"], records: 1200, bytes: Int64(payload.count), digest: digest)), id: "x-1"),
        ])

        // The commission follows the ledger and acknowledges what was sent to it.
        for try await entry in ledger.follow(from: receipts[0].seq) {
            guard case .exchangeSent(let sent) = entry.event.body, sent.recipient == commission.id else { continue }
            _ = try await ledger.append(commission.sign(.exchangeReceived(ExchangeReceivedBody(
                exchange: sent.exchange, digest: HashAlgorithm.sha256.hash(payload).hex, records: sent.records)),
                id: "ack-\(sent.exchange)"))
            break
        }

        // The operator publishes a checkpoint; anyone checks a proof with the verifier key alone.
        try ledger.checkpoint(operatorKey: operatorKey)
        let proof = try ledger.inclusionProof(seq: receipts[2].seq)   // a .tlog-proof file's text: proof.text
        let checkpoint = try TLogProof(text: proof.text)
            .verify(verifiers: [ledger.verifierKey()], hash: .sha256, origin: ledger.origin)
        return "entry \(proof.index) is in the checkpoint of \(checkpoint.size) entries"
    }
    // README participant: end
}

@Suite("README shows the compiled program (ReadmeText)")
struct ReadmeTextTests {
    @Test
    func readmeContainsTheCompiledProgramVerbatim() throws {
        #expect(try readmeShows(readmeBlock(named: "participant", in: #filePath)))
    }
}
