import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("Events, entries and timestamps (DESIGN §5–§6)")
struct EventTests {
    static let origin = "exchange.sh.gov.example/2026"
    static let at = try! Timestamp(parsing: "2026-11-23T08:00:00Z")

    static func bodies(key: PublicKey) throws -> [EventBody] {
        let from = try Timestamp(parsing: "2026-01-01T00:00:00Z"), until = try Timestamp(parsing: "2026-12-31T23:59:59.999Z")
        return [
            .genesis(try GenesisBody(origin: origin, suite: key.suite, operator: .init(party: "ops.exchange", name: "Exchange operator", key: key))),
            .partyRegistered(PartyRegisteredBody(party: "didi.example", name: "Ride platform", kind: .enterprise, roles: [.provider], key: key)),
            .partyKeyRotated(PartyKeyRotatedBody(key: key)),
            .partySuspended(PartyStatusBody(party: "didi.example", reason: "audit")),
            .partyReinstated(PartyStatusBody(party: "didi.example", reason: "cleared")),
            .datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "Trips", sharing: .conditional, level: .important, fields: ["driver_id", "end", "start"])),
            .datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .open, level: .general, reason: "aggregated")),
            .grantIssued(try GrantIssuedBody(grant: "g-1", dataset: "trips", grantee: "transport.sh", purpose: "supervision", fields: ["end", "start"], from: from, until: until, basis: "Regulation 12")),
            .grantRevoked(GrantRevokedBody(grant: "g-1", reason: "expired purpose")),
            .exchangeSent(ExchangeSentBody(exchange: "x-1", dataset: "trips", recipient: "transport.sh", grant: "g-1", purpose: "supervision", fields: ["end"], records: 10, bytes: 2048, digest: String(repeating: "ab", count: 32))),
            .exchangeSent(ExchangeSentBody(exchange: "x-2", dataset: "trips", recipient: "transport.sh", grant: nil, purpose: "open data", fields: ["end"], records: 0, bytes: 0, digest: String(repeating: "cd", count: 32))),
            .exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: String(repeating: "ab", count: 32), records: 10)),
            .qualityReported(QualityReportedBody(dataset: "trips", exchange: "x-1", dimension: .timeliness, severity: .medium, note: "late by 2 h\nsecond line")),
            .auditFinding(AuditFindingBody(subject: "x-1", finding: "purpose mismatch", severity: .high)),
        ]
    }

    @Test(arguments: Suite.allCases)
    func everyEventTypeRoundTripsAndItsSignatureVerifies(_ suite: Suite) throws {
        let key = try PrivateKey.generate(suite: suite)
        let bodies = try Self.bodies(key: key.publicKey)
        #expect(Set(bodies.map(\.type)) == Set(EventType.allCases))
        for (index, body) in bodies.enumerated() {
            let author = body.type == .ledgerGenesis ? "ops.exchange" : "didi.example"
            let event = try Event(id: "e-\(index)", author: author, keyID: key.publicKey.keyID, at: Self.at, body: body)
            let parsed = try Event(json: try CanonicalJSONParser.parse(event.canonicalBytes))
            #expect(parsed == event)
            let signed = try SignedEvent(event: event, origin: Self.origin, signer: key)
            #expect(signed.verify(with: key.publicKey, origin: Self.origin))
            #expect(!signed.verify(with: key.publicKey, origin: "other.ledger/2026"), "replay into another ledger must fail")
            #expect(try SignedEvent(json: signed.json) == signed)
        }
    }

    @Test func signingMessageIsDomainOriginThenCanonicalEvent() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let event = try Event(id: "a", author: "p1", keyID: key.publicKey.keyID, at: Self.at, body: .grantRevoked(GrantRevokedBody(grant: "g", reason: "r")))
        #expect(event.signingMessage(origin: "o") == Array("flowledger/v1/event\no\n".utf8) + event.canonicalBytes)
    }

    static let invalid: [(String, String, FormatError.Code, String)] = [
        ("unknown type", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{},"id":"a","key":"0123456789abcdef","type":"party.deleted"}"#, .unknownEventType, "type"),
        ("extra field", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"grant":"g","reason":"r","x":1},"id":"a","key":"0123456789abcdef","type":"grant.revoked"}"#, .unexpectedField, "body.x"),
        ("missing field", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"grant":"g"},"id":"a","key":"0123456789abcdef","type":"grant.revoked"}"#, .missingField, "body.reason"),
        ("bad id", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"grant":"g","reason":"r"},"id":"a b","key":"0123456789abcdef","type":"grant.revoked"}"#, .invalidValue, "id"),
        ("bad author", #"{"at":"2026-11-23T08:00:00Z","author":"P1","body":{"grant":"g","reason":"r"},"id":"a","key":"0123456789abcdef","type":"grant.revoked"}"#, .invalidValue, "author"),
        ("bad time", #"{"at":"2026-11-23 08:00:00","author":"p1","body":{"grant":"g","reason":"r"},"id":"a","key":"0123456789abcdef","type":"grant.revoked"}"#, .invalidValue, "at"),
        ("unsorted fields", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"dataset":"d","fields":["b","a"],"level":"core","sharing":"none","title":"t"},"id":"a","key":"0123456789abcdef","type":"dataset.cataloged"}"#, .invalidValue, "body.fields"),
        ("bad enum", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"dataset":"d","fields":["a"],"level":"secret","sharing":"none","title":"t"},"id":"a","key":"0123456789abcdef","type":"dataset.cataloged"}"#, .invalidValue, "body.level"),
        ("negative count", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"digest":"00000000000000000000000000000000000000000000000000000000000000aa","exchange":"x","records":-1},"id":"a","key":"0123456789abcdef","type":"exchange.received"}"#, .invalidValue, "body.records"),
        ("terminal escape in text", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"grant":"g","reason":"\u001b[31m"},"id":"a","key":"0123456789abcdef","type":"grant.revoked"}"#, .invalidValue, "body.reason"),
        ("grant ends before it starts", #"{"at":"2026-11-23T08:00:00Z","author":"p1","body":{"basis":"b","dataset":"d","fields":["a"],"from":"2026-02-01T00:00:00Z","grant":"g","grantee":"p2","purpose":"p","until":"2026-01-01T00:00:00Z"},"id":"a","key":"0123456789abcdef","type":"grant.issued"}"#, .invalidValue, "body.until"),
    ]

    @Test func invalidEventsNameTheFieldAndTheRule() throws {
        for (name, json, code, field) in Self.invalid {
            let value = try CanonicalJSONParser.parse(Array(json.utf8))
            do {
                _ = try Event(json: value)
                Issue.record("\(name): accepted")
            } catch {
                #expect(error.code == code, "\(name): \(error)")
                #expect(error.field == field, "\(name): \(error)")
            }
        }
    }

    /// A value built in memory can hold integers no canonical JSON can carry: refused, not a trap.
    @Test func eventValuesWithIntegersBeyondTwoToThe53AreRefusedNotTrapped() throws {
        for records in [Int64.max, Int64.min, JSONValue.maxSafeInteger + 1] {
            let value = JSONValue.object([
                "at": .string("2026-11-23T08:00:00Z"), "author": .string("p1"), "id": .string("a"), "key": .string("0123456789abcdef"),
                "type": .string("exchange.received"),
                "body": .object(["digest": .string(String(repeating: "0", count: 64)), "exchange": .string("x"), "records": .integer(records)]),
            ])
            let error = try #require(throws: FormatError.self) { try Event(json: value) }
            #expect(error.code == .invalidValue && error.field == "body.records", "\(error)")
        }
    }

    @Test func genesisMustBeAuthoredAndSignedByTheOperator() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let body = try Self.bodies(key: key.publicKey)[0]
        let author = try #require(throws: FormatError.self) { try Event(id: "g", author: "someone", keyID: key.publicKey.keyID, at: Self.at, body: body) }
        #expect(author.field == "author")
        let keyError = try #require(throws: FormatError.self) { try Event(id: "g", author: "ops.exchange", keyID: "0000000000000000", at: Self.at, body: body) }
        #expect(keyError.field == "key")
    }

    @Test func entryLineRoundTripsAndNonCanonicalLinesAreRejectedWithTheByte() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let event = try Event(id: "g", author: "ops.exchange", keyID: key.publicKey.keyID, at: Self.at, body: try Self.bodies(key: key.publicKey)[0])
        let entry = try Entry(seq: 0, time: Timestamp(microsecondsSinceEpoch: 1_795_420_800_123_456), prev: .zero,
                              signed: SignedEvent(event: event, origin: Self.origin, signer: key))
        #expect(entry.time.text == "2026-11-23T08:00:00.123456Z")
        let line = entry.line
        #expect(try Entry(line: line) == entry)
        #expect(String(decoding: line, as: UTF8.self).hasPrefix(#"{"event":{"at":"2026-11-23T08:00:00Z","author":"ops.exchange","body":{"#))
        var spaced = line
        spaced.insert(0x20, at: 1)
        let error = try #require(throws: FormatError.self) { try Entry(line: spaced) }
        #expect(error.code == .notCanonical)
        #expect(error.message.contains("byte 2: whitespace is not allowed"))
        let text = String(decoding: line, as: UTF8.self)
        let badTime = text.replacingOccurrences(of: ".123456Z", with: ".123Z")
        #expect(throws: FormatError.self) { try Entry(line: Array(badTime.utf8)) }
        let badPrev = text.replacingOccurrences(of: String(repeating: "0", count: 64), with: String(repeating: "1", count: 64))
        let prevError = try #require(throws: FormatError.self) { try Entry(line: Array(badPrev.utf8)) }
        #expect(prevError.field == "prev")
    }

    @Test func timestampsParseStrictlyAndCompareByInstant() throws {
        for bad in ["2026-02-30T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T08:00:60Z", "2026-11-23t08:00:00Z", "2026-11-23T08:00:00+00:00", "2026-11-23T08:00:00.Z", "2026-11-23T08:00:00.1234567890Z"] {
            #expect(throws: FormatError.self, "\(bad)") { try Timestamp(parsing: bad) }
        }
        let a = try Timestamp(parsing: "2024-02-29T23:59:59.5Z"), b = try Timestamp(parsing: "2024-03-01T00:00:00Z")
        #expect(a < b)
        #expect(try Timestamp(parsing: "2026-01-01T00:00:00.500Z").isSameInstant(as: Timestamp(parsing: "2026-01-01T00:00:00.5Z")))
        #expect(Timestamp(microsecondsSinceEpoch: 0).text == "1970-01-01T00:00:00.000000Z")
        let parsed = try Timestamp(parsing: "2026-11-23T08:00:00.123456Z")
        #expect(Timestamp(microsecondsSinceEpoch: parsed.microsecondsSinceEpoch).text == parsed.text)
    }
}
