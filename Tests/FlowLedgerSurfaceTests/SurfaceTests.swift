// This file imports FlowLedger and no other module of this package: it is the participant's
// side of the library. If a declaration a participant's program uses stops being re-exported by
// Sources/FlowLedger/Exports.swift, this target no longer compiles.
import FlowLedger
import Foundation
import Testing

/// What `import FlowLedger` gives: a participant's and a regulator's program written against it
/// alone, compiled and run, and the list of re-exported declarations pinned.
@Suite("import FlowLedger alone (Surface)")
struct SurfaceTests {
    /// A program in the README's manner, using only `import FlowLedger`: keys, a ledger, signed
    /// events and a refused one, following, checkpoints, both proofs and their offline checks,
    /// the typed views and a full verification.
    @Test func aParticipantProgramCompilesAndRunsWithTheOneImport() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("surface-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: parent) }
        let directory = parent.appendingPathComponent("exchange").path
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)

        // Keys and a ledger with its options.
        let operatorKey = try PrivateKey.generate(suite: .ed25519SHA256)
        let platformKey = try PrivateKey.generate(suite: Suite.ed25519SHA256)
        let commissionKey = try PrivateKey.generate(suite: .ed25519SHA256)
        var options = WriterOptions()
        options.durability = .never
        let ledger = try Ledger.create(at: directory, origin: "surface.example/2026", operatorID: "ops",
                                       operatorKey: operatorKey, options: options)
        defer { ledger.close() }
        #expect(ledger.suite == .ed25519SHA256)
        let operatorParty = Participant(id: "ops", key: operatorKey, origin: ledger.origin)
        let platform = Participant(id: "ride.example", key: platformKey, origin: ledger.origin)
        let commission = Participant(id: "transport.sh", key: commissionKey, origin: ledger.origin)

        // Signed events and receipts.
        let registered: [Receipt] = try await ledger.append([
            try operatorParty.sign(.partyRegistered(PartyRegisteredBody(
                party: platform.id, name: "Ride platform", kind: PartyKind.enterprise, roles: [PartyRole.provider],
                key: platformKey.publicKey)), id: "register-ride"),
            try operatorParty.sign(.partyRegistered(PartyRegisteredBody(
                party: commission.id, name: "Transport commission", kind: .government, roles: [.recipient],
                key: commissionKey.publicKey)), id: "register-commission"),
        ])
        let payload = Array("trip records".utf8)
        let digest: Hash32 = HashAlgorithm.sha256.hash(payload)
        let signed: SignedEvent = try platform.sign(.datasetCataloged(DatasetCatalogedBody(
            dataset: "trips", title: "Trip records", sharing: SharingClass.conditional, level: SecurityLevel.important,
            fields: ["end", "start"])), id: "catalog-trips", at: Timestamp.now())
        #expect(signed.event.type == EventType.datasetCataloged)
        let receipts = try await ledger.append([
            signed,
            try platform.sign(.grantIssued(GrantIssuedBody(
                grant: "g-1", dataset: "trips", grantee: commission.id, purpose: "supervision",
                fields: ["end", "start"], from: Timestamp(parsing: "2026-01-01T00:00:00Z"),
                until: Timestamp(parsing: "2099-01-01T00:00:00Z"), basis: "art. 12")), id: "grant-1"),
            try platform.sign(.exchangeSent(ExchangeSentBody(
                exchange: "x-1", dataset: "trips", recipient: commission.id, grant: "g-1", purpose: "supervision",
                fields: ["end", "start"], records: 10, bytes: Int64(payload.count), digest: digest.hex)), id: "x-1"),
        ])
        #expect(receipts.map(\.seq) == [registered[1].seq + 1, registered[1].seq + 2, registered[1].seq + 3])

        // A refused append: the error a program catches, with the rule it broke.
        do {
            _ = try await ledger.append(commission.sign(.grantRevoked(GrantRevokedBody(grant: "g-404", reason: "none")), id: "revoke"))
            Issue.record("an unknown grant was revoked")
        } catch let error as StoreError {
            let violation: RuleViolation? = error.violation
            #expect(error.code == StoreError.Code.rejected)
            #expect(violation != nil)
        }

        // Appending keeps its error in its type.
        let appendOne: (SignedEvent) async throws(StoreError) -> Receipt = ledger.append
        let appendBatch: ([SignedEvent]) async throws(StoreError) -> [Receipt] = ledger.append
        _ = (appendOne, appendBatch)

        // Following: entries as they come, and with their stored lines.
        let follower: EntryFollower = ledger.follow(from: receipts[0].seq)
        for try await entry in follower {
            let typed: Entry = entry
            guard case .exchangeSent(let sent) = typed.event.body else { continue }
            _ = try await ledger.append(commission.sign(.exchangeReceived(ExchangeReceivedBody(
                exchange: sent.exchange, digest: digest.hex, records: sent.records)), id: "ack-\(sent.exchange)"))
            break
        }
        for try await batch in ledger.follow(from: 0).batches {
            let stored: [StoredEntry] = batch
            #expect(stored.first?.seq == 0)
            break
        }
        #expect(try ledger.entries(0..<2).count == 2)

        // Checkpoints, proofs and their checks with the verifier key alone.
        let (first, firstNote): (Checkpoint, String) = try ledger.checkpoint(operatorKey: operatorKey)
        let key: VerifierKey = try ledger.verifierKey()
        let proof: TLogProof = try ledger.inclusionProof(seq: receipts[2].seq)
        let checked = try TLogProof(text: proof.text).verify(verifiers: [key], hash: .sha256, origin: ledger.origin)
        #expect(checked.size == first.size)
        let report: ProofReport = try ProofCheck.inclusion(ProofFile.Inclusion.tlogProof(proof), operatorKey: key)
        #expect(report.verdict == Verdict.intact)
        _ = try await ledger.append(commission.sign(.qualityReported(QualityReportedBody(
            dataset: "trips", exchange: "x-1", dimension: QualityDimension.completeness, severity: Severity.low,
            note: "ok")), id: "q-1"))
        let (second, secondNote) = try ledger.checkpoint(operatorKey: operatorKey)
        let consistency: (proof: ConsistencyProof, old: String, new: String) = try ledger.consistencyProof(old: first.size)
        try consistency.proof.verify(old: first, new: second, hash: .sha256)
        let extends = try ProofCheck.consistency(old: Array(firstNote.utf8), new: Array(secondNote.utf8),
                                                 proof: ProofFile.Consistency(path: consistency.proof.path), operatorKey: key)
        #expect(extends.holds)
        let reader = try LedgerReader(directory: directory)
        let service = ProofService(reader: reader)
        #expect(try service.inclusionProof(seq: 0).index == 0)

        // Typed views.
        let projector = try Projector(directory: directory, options: ProjectorOptions())
        let caughtUp = try projector.catchUp()
        #expect(caughtUp.size == ledger.size)
        let views: ViewReader = projector.views
        let flows: [FlowView] = try views.flows()
        let exchanges: [ExchangeView] = try views.exchanges()
        let parties: [PartyView] = try views.parties()
        let quality: [QualityView] = try views.quality()
        #expect(flows.count == 1 && exchanges.count == 1 && parties.count == 3 && quality.count == 1)
        let _: [ViolationView] = try views.violations()
        let _: [DatasetView] = try views.datasets()
        let _: [GrantView] = try views.grants()
        let _: [AuditFindingView] = try views.findings()
        let _: ViewPosition? = try views.position()
        let _: ChangedRows = try views.changes(since: 0)

        // A regulator's verification.
        var verifyOptions = VerifyOptions()
        verifyOptions.operatorKey = key
        let verification: VerificationReport = try LedgerVerifier(directory: directory, options: verifyOptions).run()
        #expect(verification.verdict == .intact)
        let _: IntegrityBreak? = verification.firstBreak
        let _: [CheckpointCheck] = verification.checkpoints
        let _: [PolicyFinding] = verification.findings
        #expect(verification.entries == ledger.size)
    }

    /// The declarations `import FlowLedger` re-exports, one by one: widening (or narrowing) the
    /// participants' surface is a decision, made here and in Exports.swift together.
    @Test func theReExportedDeclarationsArePinned() throws {
        let exports = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Sources/FlowLedger/Exports.swift").standardized
        let text = try String(contentsOf: exports, encoding: .utf8)
        let declared = text.split(separator: "\n").filter { $0.hasPrefix("@_exported import ") }
            .map { $0.split(separator: " ").last.map(String.init) ?? "" }
        #expect(declared == Self.surface)
    }

    /// The participants' surface besides FlowLedger's own `Ledger` and `Participant`.
    static let surface = [
        // Keys, suites and hashes.
        "LedgerCrypto.PrivateKey", "LedgerCrypto.PublicKey", "LedgerCrypto.Suite", "LedgerCrypto.HashAlgorithm",
        "LedgerCrypto.Hash32", "LedgerCrypto.CryptoError",
        // Events, bodies, vocabulary, entries and time.
        "LedgerCore.Event", "LedgerCore.SignedEvent", "LedgerCore.EventBody", "LedgerCore.EventType", "LedgerCore.Entry",
        "LedgerCore.Timestamp", "LedgerCore.JSONValue", "LedgerCore.GenesisBody", "LedgerCore.PartyRegisteredBody",
        "LedgerCore.PartyKeyRotatedBody", "LedgerCore.PartyStatusBody", "LedgerCore.DatasetCatalogedBody",
        "LedgerCore.DatasetReclassifiedBody", "LedgerCore.GrantIssuedBody", "LedgerCore.GrantRevokedBody",
        "LedgerCore.ExchangeSentBody", "LedgerCore.ExchangeReceivedBody", "LedgerCore.QualityReportedBody",
        "LedgerCore.AuditFindingBody", "LedgerCore.PartyKind", "LedgerCore.PartyRole", "LedgerCore.SharingClass",
        "LedgerCore.SecurityLevel", "LedgerCore.QualityDimension", "LedgerCore.Severity",
        // Checkpoints, proofs, verifier keys.
        "LedgerCore.Checkpoint", "LedgerCore.Note", "LedgerCore.VerifierKey", "LedgerCore.TLogProof",
        "LedgerCore.ConsistencyProof",
        // Policy findings.
        "LedgerCore.PolicyRule", "LedgerCore.PolicyFinding",
        // Errors.
        "LedgerCore.RuleViolation", "LedgerCore.FormatError", "LedgerCore.NoteError", "LedgerCore.MerkleError",
        // The store: receipts, reading, following, options, errors.
        "LedgerStore.Receipt", "LedgerStore.LedgerReader", "LedgerStore.LedgerManifest", "LedgerStore.EntryFollower",
        "LedgerStore.StoredEntry", "LedgerStore.WriterOptions", "LedgerStore.StoreError", "LedgerStore.ProofService",
        // Talking to a served ledger.
        "LedgerWire.RequestSigner", "LedgerWire.UnixTime", "LedgerWire.WireError", "LedgerWire.RequestSignatureError",
        "LedgerClient.RemoteLedger", "LedgerClient.RemoteLedgerOptions", "LedgerClient.RemoteFollower",
        "LedgerClient.LedgerClientError",
        // Regulators' checks.
        "LedgerVerify.LedgerVerifier", "LedgerVerify.VerifyOptions", "LedgerVerify.VerifyError",
        "LedgerVerify.VerificationReport", "LedgerVerify.Verdict", "LedgerVerify.IntegrityBreak",
        "LedgerVerify.CheckpointCheck", "LedgerVerify.IncrementalVerifier", "LedgerVerify.ProofFile",
        "LedgerVerify.ProofCheck", "LedgerVerify.ProofReport", "LedgerVerify.CosignatureCheck", "LedgerVerify.VerifiedPrefix",
        // Typed views.
        "LedgerProjection.Projector", "LedgerProjection.ProjectorOptions", "LedgerProjection.ProjectionError",
        "LedgerProjection.ViewReader", "LedgerProjection.ViewPosition", "LedgerProjection.ViewUpdate",
        "LedgerProjection.ChangedRows", "LedgerProjection.PartyView", "LedgerProjection.DatasetView",
        "LedgerProjection.GrantView", "LedgerProjection.ExchangeView", "LedgerProjection.FlowView",
        "LedgerProjection.ViolationView", "LedgerProjection.QualityView", "LedgerProjection.AuditFindingView",
    ]
}
