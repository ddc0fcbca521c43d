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

    /// Typed bodies whose initialisers check nothing, each with a value a reader of its line
    /// refuses, and the field the refusal must name.
    static func unreadableBodies() throws -> [(String, EventBody, String)] {
        let digest = String(repeating: "ab", count: 32)
        let late = Timestamp(microsecondsSinceEpoch: 253_402_300_800_000_000)  // 10000-01-01: no RFC 3339 spelling
        return [
            ("empty reason", .datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .conditional, level: .important, reason: "")), "body.reason"),
            ("bad dataset id", .qualityReported(QualityReportedBody(dataset: "bad id!", exchange: nil, dimension: .accuracy, severity: .low, note: "n")), "body.dataset"),
            ("terminal escape in a note", .qualityReported(QualityReportedBody(dataset: "trips", exchange: nil, dimension: .accuracy, severity: .low, note: "\u{1b}[2J")), "body.note"),
            ("unsorted fields", .datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "Trips", sharing: .open, level: .general, fields: ["start", "end"])), "body.fields"),
            ("no fields", .datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "Trips", sharing: .open, level: .general, fields: [])), "body.fields"),
            ("bad grantee", .grantIssued(try GrantIssuedBody(grant: "g-1", dataset: "trips", grantee: "Transport SH", purpose: "p", fields: ["end"], from: Self.at, until: Self.at, basis: "b")), "body.grantee"),
            ("grant ending in year 10000", .grantIssued(try GrantIssuedBody(grant: "g-1", dataset: "trips", grantee: "transport.sh", purpose: "p", fields: ["end"], from: Self.at, until: late, basis: "b")), "body.until"),
            ("uppercase digest", .exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: digest.uppercased(), records: 1)), "body.digest"),
            ("negative record count", .exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: digest, records: -1)), "body.records"),
            ("negative byte count", .exchangeSent(ExchangeSentBody(exchange: "x-1", dataset: "trips", recipient: "transport.sh", grant: nil, purpose: "p", fields: ["end"], records: 1, bytes: -5, digest: digest)), "body.bytes"),
            ("bad party id", .partySuspended(PartyStatusBody(party: "", reason: "audit")), "body.party"),
            ("bad subject", .auditFinding(AuditFindingBody(subject: "x 1", finding: "f", severity: .high)), "body.subject"),
        ]
    }

    /// Every `Event` that exists is one a strict reader accepts: the typed API cannot sign a line
    /// that, once written, no reader (and so no reopen of the ledger) would accept.
    @Test func typedBodiesAReaderWouldRefuseAreRefusedWhenTheEventIsBuilt() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        for (name, body, field) in try Self.unreadableBodies() {
            let error = try #require(throws: FormatError.self, "\(name)") {
                try Event(id: "e-1", author: "didi.example", keyID: key.publicKey.keyID, at: Self.at, body: body)
            }
            #expect(error.code == .invalidValue && error.field == field, "\(name): \(error)")
        }
        // The same checks as a reader's: every valid body of the catalogue is still accepted.
        for body in try Self.bodies(key: key.publicKey) where body.type != .ledgerGenesis {
            _ = try Event(id: "e-1", author: "didi.example", keyID: key.publicKey.keyID, at: Self.at, body: body)
        }
    }

    @Test func anAuthorTimeWithoutAnRFC3339SpellingIsRefused() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        for micros: Int64 in [253_402_300_800_000_000, -62_167_219_200_000_001] {  // 10000-01-01, just before 0000-01-01
            let at = Timestamp(microsecondsSinceEpoch: micros)
            let error = try #require(throws: FormatError.self, "\(at)") {
                try Event(id: "e-1", author: "didi.example", keyID: key.publicKey.keyID, at: at, body: .grantRevoked(GrantRevokedBody(grant: "g", reason: "r")))
            }
            #expect(error.field == "at", "\(error)")
        }
        let last = Timestamp(microsecondsSinceEpoch: 253_402_300_799_999_999)
        #expect(try Event(id: "e-1", author: "didi.example", keyID: key.publicKey.keyID, at: last, body: .grantRevoked(GrantRevokedBody(grant: "g", reason: "r"))).at.text == "9999-12-31T23:59:59.999999Z")
    }

    /// A typed body can hold an integer no canonical JSON carries; building the event refuses it,
    /// so signing (whose encoder traps on such an integer) is never reached with it.
    @Test func typedBodyIntegersBeyondTwoToThe53AreAFormatErrorNotATrap() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let digest = String(repeating: "0", count: 64)
        let cases: [(EventBody, String)] = [
            (.exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: digest, records: 1 << 60)), "body.records"),
            (.exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: digest, records: Int64.min)), "body.records"),
            (.exchangeSent(ExchangeSentBody(exchange: "x-1", dataset: "trips", recipient: "transport.sh", grant: nil, purpose: "p", fields: ["end"], records: 1, bytes: JSONValue.maxSafeInteger + 1, digest: digest)), "body.bytes"),
        ]
        for (body, field) in cases {
            let error = try #require(throws: FormatError.self) {
                try Event(id: "x-1", author: "ride.example", keyID: key.publicKey.keyID, at: Self.at, body: body)
            }
            #expect(error.code == .invalidValue && error.field == field, "\(error)")
        }
        let largest = try Event(id: "x-1", author: "ride.example", keyID: key.publicKey.keyID, at: Self.at,
                                body: .exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: digest, records: JSONValue.maxSafeInteger)))
        #expect(try Event(json: CanonicalJSONParser.parse(largest.canonicalBytes)) == largest)
    }

    /// NFC "café" and NFD "cafe\u{301}" are equal Swift strings but different canonical bytes, so
    /// different events: equality and hashing follow the bytes that are signed.
    @Test func eventsThatDifferOnlyInUnicodeNormalisationAreDifferentEvents() throws {
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        func event(_ note: String) throws -> Event {
            try Event(id: "q-1", author: "transport.sh", keyID: key.publicKey.keyID, at: Self.at,
                      body: .qualityReported(QualityReportedBody(dataset: "trips", exchange: nil, dimension: .accuracy, severity: .low, note: note)))
        }
        let nfc = try event("caf\u{e9}"), nfd = try event("cafe\u{301}")
        #expect(nfc.canonicalBytes != nfd.canonicalBytes)
        #expect(nfc != nfd)
        #expect(Set([nfc, nfd]).count == 2)
        #expect(try event("caf\u{e9}") == nfc)
        let signedNFC = try SignedEvent(event: nfc, origin: Self.origin, signer: key)
        let signedNFD = try SignedEvent(event: nfd, origin: Self.origin, signer: key)
        #expect(signedNFC != signedNFD)
        #expect(signedNFC != SignedEvent(event: nfd, signature: signedNFC.signature))
        #expect(Set([signedNFC, signedNFD]).count == 2)
    }

    /// Field names are compared by code units (DESIGN §4 sorts by UTF-16 code units), not by
    /// Swift's Unicode equivalence: "e\u{301}" (U+0065 U+0301) and "é" (U+00E9) are two names.
    @Test func fieldNamesAreUniqueAndSortedByCodeUnitsNotByUnicodeEquivalence() throws {
        #expect(FieldRules.fieldListProblem(["e\u{301}", "\u{e9}"]) == nil)
        let reversed = try #require(FieldRules.fieldListProblem(["\u{e9}", "e\u{301}"]))
        #expect(reversed.contains("must come before") && reversed.contains("normalisation"), "\(reversed)")
        #expect(FieldRules.fieldListProblem(["\u{e9}", "\u{e9}"])?.contains("appears twice") == true)
        // Such a list survives a line: read back, it is the same two names in the same order.
        let key = try PrivateKey.generate(suite: .ed25519SHA256)
        let event = try Event(id: "c-1", author: "didi.example", keyID: key.publicKey.keyID, at: Self.at,
                              body: .datasetCataloged(DatasetCatalogedBody(dataset: "d", title: "t", sharing: .open, level: .general, fields: ["e\u{301}", "\u{e9}"])))
        let read = try Event(json: CanonicalJSONParser.parse(event.canonicalBytes))
        guard case .datasetCataloged(let body) = read.body else { Issue.record("wrong body \(read.body)"); return }
        #expect(body.fields.map { Array($0.unicodeScalars) } == [["e", "\u{301}"], ["\u{e9}"]])
        #expect(read.canonicalBytes == event.canonicalBytes)
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
