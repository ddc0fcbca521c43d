import FlowLedger
import Foundation
import LedgerCore

/// A small cross-boundary scenario for the store, CLI and service tests: an operator, a ride-hailing platform
/// (provider), a transport regulator (recipient) and an auditor (regulator), with one
/// conditional dataset and one grant. Keys are generated per test unless seeds are given.
public struct Scenario: Sendable {
    public let directory: String
    public let origin = "exchange.test.example/2026"
    public let suite: Suite
    public let operatorKey: PrivateKey
    public let platformKey: PrivateKey
    public let transportKey: PrivateKey
    public let auditorKey: PrivateKey

    public var operatorParty: Participant { Participant(id: "ops.exchange", key: operatorKey, origin: origin) }
    public var platform: Participant { Participant(id: "ride.example", key: platformKey, origin: origin) }
    public var transport: Participant { Participant(id: "transport.sh", key: transportKey, origin: origin) }
    public var auditor: Participant { Participant(id: "audit.sh", key: auditorKey, origin: origin) }

    public init(suite: Suite = .ed25519SHA256) throws {
        self.suite = suite
        directory = try temporaryDirectory().appendingPathComponent("ledger").path
        operatorKey = try PrivateKey.generate(suite: suite)
        platformKey = try PrivateKey.generate(suite: suite)
        transportKey = try PrivateKey.generate(suite: suite)
        auditorKey = try PrivateKey.generate(suite: suite)
    }

    public static let at = try! Timestamp(parsing: "2026-11-23T08:00:00Z")

    /// The events after genesis that set the scene.
    public func setUpEvents() throws -> [SignedEvent] {
        let op = operatorParty
        return [
            try op.sign(.partyRegistered(PartyRegisteredBody(party: "ride.example", name: "Ride platform", kind: .enterprise, roles: [.provider], key: platformKey.publicKey)), id: "reg-ride", at: Self.at),
            try op.sign(.partyRegistered(PartyRegisteredBody(party: "transport.sh", name: "Transport commission", kind: .government, roles: [.recipient], key: transportKey.publicKey)), id: "reg-transport", at: Self.at),
            try op.sign(.partyRegistered(PartyRegisteredBody(party: "audit.sh", name: "Auditor", kind: .regulator, roles: [.regulator], key: auditorKey.publicKey)), id: "reg-audit", at: Self.at),
            try platform.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "Trip records", sharing: .conditional, level: .important, fields: ["driver", "end", "start"])), id: "cat-trips", at: Self.at),
            try platform.sign(.grantIssued(GrantIssuedBody(grant: "g-1", dataset: "trips", grantee: "transport.sh", purpose: "supervision", fields: ["end", "start"], from: Self.at, until: Timestamp(parsing: "2027-11-23T08:00:00Z"), basis: "Transport regulation art. 12")), id: "grant-1", at: Self.at),
        ]
    }

    /// Exchange number `n` from the platform to the transport commission.
    public func exchange(_ n: Int) throws -> SignedEvent {
        try platform.sign(.exchangeSent(ExchangeSentBody(
            exchange: "x-\(n)", dataset: "trips", recipient: "transport.sh", grant: "g-1", purpose: "supervision",
            fields: ["end", "start"], records: Int64(n), bytes: Int64(100 * n),
            digest: suite.hash.hash(Array("payload \(n)".utf8)).hex)), id: "x-\(n)", at: Self.at)
    }

    /// A new ledger with the scene set up (6 entries).
    public func create(options: WriterOptions = WriterOptions()) async throws -> Ledger {
        let ledger = try Ledger.create(at: directory, origin: origin, operatorID: "ops.exchange", operatorName: "Exchange operator", operatorKey: operatorKey, options: options)
        _ = try await ledger.append(setUpEvents())
        return ledger
    }

    /// Writes exchanges 0..<count as `{"event","sig"}` lines (the `append --signed` input) next to
    /// the ledger directory; returns the file's path.
    public func writeSignedExchanges(count: Int) throws -> String {
        let path = URL(fileURLWithPath: directory).deletingLastPathComponent().appendingPathComponent("signed.jsonl").path
        let lines = try (0..<count).map { String(decoding: CanonicalJSON.encode(try exchange($0).json), as: UTF8.self) }
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// The directory holding the ledger directory, for the test's other files.
    public var workDirectory: String { URL(fileURLWithPath: directory).deletingLastPathComponent().path }

    /// Every file under the ledger directory with its bytes (to prove nothing changed).
    /// Every file's bytes but the writer lock's (and, with `withoutWriterState`, but the
    /// writer's derived state file's, which a failed open may have started to rebuild).
    public func snapshot(withoutWriterState: Bool = false) throws -> [String: Data] {
        var out: [String: Data] = [:]
        let base = URL(fileURLWithPath: directory)
        guard let walker = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return out }
        for case let url as URL in walker where !url.hasDirectoryPath && url.lastPathComponent != "writer.lock" {
            if withoutWriterState && url.lastPathComponent.hasPrefix("state.sqlite") { continue }
            out[url.path] = try Data(contentsOf: url)
        }
        return out
    }

    public func removeAll() {
        try? FileManager.default.removeItem(atPath: URL(fileURLWithPath: directory).deletingLastPathComponent().path)
    }
}
