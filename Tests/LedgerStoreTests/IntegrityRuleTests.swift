import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// Every integrity rule of DESIGN §7 rejects at append with a typed error naming the rule, the
/// event and the field, and every rejection leaves every file byte for byte as it was.
@Suite("Integrity rules at append (IntegrityRules)")
struct IntegrityRuleTests {
    /// Appends `bad` to a fresh scenario ledger (after `before`), expects `code`, and checks that
    /// nothing on disk changed.
    private func expectRejected(_ code: RuleViolation.Code, field: String? = nil, mentioning text: String? = nil,
                                before: (Scenario) throws -> [SignedEvent] = { _ in [] },
                                _ bad: (Scenario) throws -> SignedEvent) async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let setUp = try before(scenario)
        if !setUp.isEmpty { _ = try await ledger.append(setUp) }
        let snapshot = try scenario.snapshot()
        let size = ledger.size
        let error = try #require(throws: StoreError.self) { try ledger.writer.appendBlocking([try bad(scenario)]) }
        #expect(error.code == .rejected)
        #expect(error.violation?.code == code, "\(error)")
        #expect(error.violation?.seq == size)
        #expect(error.batchIndex == 0)
        if let field { #expect(error.violation?.field == field, "\(error)") }
        if let text { #expect(error.message.contains(text), "\(error.message)") }
        #expect(try scenario.snapshot() == snapshot)
        #expect(ledger.size == size)
        // The ledger still takes good events afterwards.
        let good = try scenario.operatorParty.sign(.partyRegistered(PartyRegisteredBody(
            party: "later.example", name: "Later", kind: .enterprise, roles: [], key: try PrivateKey.generate(suite: .ed25519SHA256).publicKey)),
            id: "reg-later", at: Scenario.at)
        #expect(try await ledger.append(good).seq == size)
    }

    @Test func forgedSignatureIsRejected() async throws {
        try await expectRejected(.badSignature, field: "sig") { scenario in
            let good = try scenario.exchange(1)
            var signature = good.signature
            signature[10] ^= 0x01
            return SignedEvent(event: good.event, signature: signature)
        }
    }

    @Test func eventSignedForAnotherLedgersOriginIsRejected() async throws {
        try await expectRejected(.badSignature, mentioning: "for another ledger") { scenario in
            let other = Participant(id: "ride.example", key: scenario.platformKey, origin: "other.example/2026")
            return try other.sign(.qualityReported(QualityReportedBody(dataset: "trips", exchange: nil, dimension: .accuracy, severity: .low, note: "n")), id: "q-1", at: Scenario.at)
        }
    }

    @Test func unknownKeyIsRejected() async throws {
        try await expectRejected(.unknownKey, field: "event.key") { scenario in
            let stranger = Participant(id: "ride.example", key: try PrivateKey.generate(suite: .ed25519SHA256), origin: scenario.origin)
            return try stranger.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "d2", title: "t", sharing: .open, level: .general, fields: ["a"])), id: "c-2", at: Scenario.at)
        }
    }

    @Test func anotherPartysKeyIsRejected() async throws {
        try await expectRejected(.unknownKey, mentioning: "belongs to ride.example") { scenario in
            // transport.sh's registered key, but the event claims ride.example wrote it.
            let impostor = Participant(id: "ride.example", key: scenario.transportKey, origin: scenario.origin)
            return try impostor.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "d2", title: "t", sharing: .open, level: .general, fields: ["a"])), id: "c-2", at: Scenario.at)
        }
    }

    @Test func retiredKeyIsRejected() async throws {
        let newKey = try PrivateKey.generate(suite: .ed25519SHA256)
        try await expectRejected(.retiredKey, mentioning: "retired by the key rotation at seq 6", before: { scenario in
            [try scenario.platform.sign(.partyKeyRotated(PartyKeyRotatedBody(key: newKey.publicKey)), id: "rotate-1", at: Scenario.at)]
        }) { scenario in try scenario.exchange(1) }
    }

    @Test func unregisteredAuthorIsRejected() async throws {
        try await expectRejected(.unknownAuthor, field: "event.author") { scenario in
            let stranger = Participant(id: "stranger.example", key: scenario.platformKey, origin: scenario.origin)
            return try stranger.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "d2", title: "t", sharing: .open, level: .general, fields: ["a"])), id: "c-2", at: Scenario.at)
        }
    }

    @Test func suspendedAuthorIsRejected() async throws {
        try await expectRejected(.suspendedAuthor, before: { scenario in
            [try scenario.auditor.sign(.partySuspended(PartyStatusBody(party: "ride.example", reason: "investigation")), id: "susp-1", at: Scenario.at)]
        }) { scenario in try scenario.exchange(1) }
    }

    @Test func unauthorisedTypeIsRejected() async throws {
        // The transport commission has no provider role, so it may not catalog datasets.
        try await expectRejected(.notAuthorized, field: "event.author", mentioning: "needs role provider") { scenario in
            try scenario.transport.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "d2", title: "t", sharing: .open, level: .general, fields: ["a"])), id: "c-2", at: Scenario.at)
        }
    }

    @Test func onlyTheRegistrarsMayRegisterParties() async throws {
        try await expectRejected(.notAuthorized) { scenario in
            try scenario.platform.sign(.partyRegistered(PartyRegisteredBody(party: "new.example", name: "n", kind: .enterprise, roles: [], key: try PrivateKey.generate(suite: .ed25519SHA256).publicKey)), id: "r-9", at: Scenario.at)
        }
    }

    @Test func unknownReferenceIsRejected() async throws {
        try await expectRejected(.unknownReference, field: "event.body.grant", mentioning: "never issued") { scenario in
            try scenario.platform.sign(.exchangeSent(ExchangeSentBody(exchange: "x-9", dataset: "trips", recipient: "transport.sh", grant: "g-404", purpose: "p", fields: ["end"], records: 1, bytes: 1, digest: String(repeating: "a", count: 64))), id: "x-9", at: Scenario.at)
        }
        try await expectRejected(.unknownReference, field: "event.body.exchange") { scenario in
            try scenario.transport.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "x-404", digest: String(repeating: "a", count: 64), records: 1)), id: "ack-1", at: Scenario.at)
        }
    }

    @Test func reusingAnIdThatACreatingEventMakesIsRejected() async throws {
        try await expectRejected(.alreadyExists, field: "event.body.dataset") { scenario in
            try scenario.platform.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "again", sharing: .open, level: .general, fields: ["a"])), id: "cat-again", at: Scenario.at)
        }
    }

    @Test func selfExchangeIsRejected() async throws {
        try await expectRejected(.notCrossBoundary, field: "event.body.recipient", mentioning: "cannot send to itself") { scenario in
            try scenario.platform.sign(.exchangeSent(ExchangeSentBody(exchange: "x-9", dataset: "trips", recipient: "ride.example", grant: nil, purpose: "p", fields: ["end"], records: 1, bytes: 1, digest: String(repeating: "a", count: 64))), id: "x-9", at: Scenario.at)
        }
    }

    @Test func exchangeToAPartyWithoutTheRecipientRoleIsRejected() async throws {
        try await expectRejected(.notCrossBoundary, mentioning: "does not have the role recipient") { scenario in
            try scenario.platform.sign(.exchangeSent(ExchangeSentBody(exchange: "x-9", dataset: "trips", recipient: "audit.sh", grant: nil, purpose: "p", fields: ["end"], records: 1, bytes: 1, digest: String(repeating: "a", count: 64))), id: "x-9", at: Scenario.at)
        }
    }

    @Test func onlyTheRecipientMayAcknowledgeAnExchange() async throws {
        try await expectRejected(.notAuthorized, mentioning: "only the recipient", before: { scenario in [try scenario.exchange(1)] }) { scenario in
            try scenario.auditor.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: String(repeating: "a", count: 64), records: 1)), id: "ack-1", at: Scenario.at)
        }
    }

    @Test func duplicateIdWithOtherContentIsRejected() async throws {
        try await expectRejected(.idConflict, field: "event.id", mentioning: "already used event id", before: { scenario in [try scenario.exchange(1)] }) { scenario in
            try scenario.platform.sign(.qualityReported(QualityReportedBody(dataset: "trips", exchange: nil, dimension: .accuracy, severity: .low, note: "n")), id: "x-1", at: Scenario.at)
        }
    }

    /// Rule 3 compares events by their canonical bytes: "café" with U+00E9 and with e + U+0301
    /// are equal Swift strings, but a different event (bytes, signature) under a used id.
    @Test func sameIdWithTextInAnotherUnicodeNormalisationIsAConflictNotARepeat() async throws {
        func reclassified(_ scenario: Scenario, reason: String) throws -> SignedEvent {
            try scenario.platform.sign(.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .conditional, level: .important, reason: reason)), id: "r-1", at: Scenario.at)
        }
        try await expectRejected(.idConflict, field: "event.id", mentioning: "already used event id", before: { scenario in
            [try reclassified(scenario, reason: "caf\u{e9}")]
        }) { scenario in try reclassified(scenario, reason: "cafe\u{301}") }
    }

    /// A typed body with a value no reader accepts (DESIGN §6) cannot become a signed event, so it
    /// can never be written: written, it would make every later read, and reopening, fail.
    @Test func anEventNoReaderWouldAcceptIsRefusedBeforeItCanBeAppended() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        let snapshot = try scenario.snapshot()
        let size = ledger.size
        let bodies: [(EventBody, String)] = [
            (.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .conditional, level: .important, reason: "")), "body.reason"),
            (.datasetCataloged(DatasetCatalogedBody(dataset: "trips 2", title: "t", sharing: .open, level: .general, fields: ["a"])), "body.dataset"),
            (.exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: String(repeating: "0", count: 64), records: -1)), "body.records"),
        ]
        for (body, field) in bodies {
            let signed: SignedEvent
            do {
                signed = try scenario.platform.sign(body, id: "bad-1", at: Scenario.at)
            } catch let error as FormatError {
                #expect(error.field == field, "\(error)")
                continue
            }
            Issue.record("signed an event whose \(field) no reader accepts")
            _ = try? await ledger.append(signed)
        }
        #expect(try scenario.snapshot() == snapshot)
        #expect(ledger.size == size)
        ledger.close()
        let reopened = try Ledger.open(at: scenario.directory)
        defer { reopened.close() }
        #expect(try reopened.entries(0..<reopened.size).count == Int(size))
    }

    @Test func aBatchWithOneBadEventWritesNothing() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let snapshot = try scenario.snapshot()
        let selfExchange = try scenario.platform.sign(.exchangeSent(ExchangeSentBody(exchange: "x-9", dataset: "trips", recipient: "ride.example", grant: nil, purpose: "p", fields: ["end"], records: 1, bytes: 1, digest: String(repeating: "a", count: 64))), id: "x-9", at: Scenario.at)
        let batch = [try scenario.exchange(1), try scenario.exchange(2), selfExchange, try scenario.exchange(3)]
        let error = try #require(throws: StoreError.self) { try ledger.writer.appendBlocking(batch) }
        #expect(error.batchIndex == 2)
        #expect(error.violation?.seq == 8)
        #expect(try scenario.snapshot() == snapshot)
        // The good events can go in afterwards under the same ids: the failed batch left no trace.
        #expect(try await ledger.append([batch[0], batch[1], batch[3]]).map(\.seq) == [6, 7, 8])
    }

    @Test func keysOfTheOtherSuiteAreRejected() async throws {
        try await expectRejected(.invalidEvent, field: "event.body.key", mentioning: "sm2 key") { scenario in
            try scenario.operatorParty.sign(.partyRegistered(PartyRegisteredBody(party: "sm.example", name: "n", kind: .enterprise, roles: [], key: try PrivateKey.generate(suite: .sm2SM3).publicKey)), id: "r-9", at: Scenario.at)
        }
    }
}
