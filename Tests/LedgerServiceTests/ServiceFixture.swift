import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport

/// A ledger ready to be served: the store scenario's parties, plus a party that is registered
/// and then suspended, and a key nobody registered. Closed, so `flowledger serve` can open it.
struct ServiceFixture {
    let scenario: Scenario
    let suspendedKey: PrivateKey
    let strangerKey: PrivateKey

    init() async throws {
        scenario = try Scenario()
        suspendedKey = try PrivateKey.generate(suite: .ed25519SHA256)
        strangerKey = try PrivateKey.generate(suite: .ed25519SHA256)
        let ledger = try await scenario.create()
        let op = scenario.operatorParty
        _ = try await ledger.append([
            try op.sign(.partyRegistered(PartyRegisteredBody(party: "old.example", name: "Former provider", kind: .enterprise,
                                                             roles: [.provider], key: suspendedKey.publicKey)), id: "reg-old", at: Scenario.at),
            try op.sign(.partySuspended(PartyStatusBody(party: "old.example", reason: "licence withdrawn")), id: "suspend-old", at: Scenario.at),
        ])
        ledger.close()
    }

    var directory: String { scenario.directory }
    var work: String { scenario.workDirectory }

    /// `events` as the body of `POST v1/entries`.
    static func body(_ events: [SignedEvent]) -> [UInt8] {
        events.flatMap { CanonicalJSON.encode($0.json) + [0x0a] }
    }

    /// The bytes of `log/`, to show a refusal wrote nothing.
    func logBytes() throws -> [String: Data] {
        try directoryContents(directory + "/log")
    }

    /// Writes `key` as a 0600 PEM file named `name` beside the ledger; returns its path.
    func keyFile(_ key: PrivateKey, _ name: String) throws -> String {
        let path = work + "/" + name
        FileManager.default.createFile(atPath: path, contents: Data(try key.pemRepresentation().utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    /// A self-signed certificate for 127.0.0.1 and localhost made by `openssl req`, and its key:
    /// the PEM files' paths beside the ledger.
    func selfSignedCertificate() async throws -> (certificate: String, key: String) {
        let cert = work + "/cert.pem", key = work + "/key.pem"
        let openssl = try ChildProcess(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
                                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"], directory: work)
        guard await openssl.exitCode() == 0 else { throw FixtureError("openssl req failed: \(try openssl.stderr())") }
        return (cert, key)
    }

    /// Splits the ledger into two histories under one operator key and returns the second's
    /// directory: the ledger itself gains exchanges 1 and 2 and a checkpoint of size 10, the
    /// fork (`work/fork`, a copy made first) exchanges 9, 8 and 7 and a checkpoint of size 11.
    func fork() async throws -> String {
        let fork = work + "/fork"
        try FileManager.default.copyItem(atPath: directory, toPath: fork)
        for (path, exchanges) in [(directory, [1, 2]), (fork, [9, 8, 7])] {
            let ledger = try Ledger.open(at: path)
            _ = try await ledger.append(try exchanges.map { try scenario.exchange($0) })
            try ledger.checkpoint(operatorKey: scenario.operatorKey)
            ledger.close()
        }
        return fork
    }

    /// Serves the ledger publishing a checkpoint every 100 ms (the operator's key written beside
    /// it), with `extra` arguments.
    func servePublishing(_ extra: [String] = []) async throws -> ServedProcess {
        let key = try keyFile(scenario.operatorKey, "operator.pem")
        return try await serve(["--operator-key", key, "--checkpoint-interval", "100ms"] + extra)
    }

    /// Serves the ledger over TLS, with a new ``selfSignedCertificate()`` and `extra` arguments;
    /// the server, and the certificate's path for clients to trust.
    func serveOverTLS(_ extra: [String] = []) async throws -> (server: ServedProcess, certificate: String) {
        let (certificate, key) = try await selfSignedCertificate()
        return (try await serve(["--tls-cert", certificate, "--tls-key", key] + extra), certificate)
    }

    /// Serves the ledger with `extra` arguments.
    func serve(_ extra: [String] = []) async throws -> ServedProcess {
        try await ServedProcess(ledger: directory, extra, scratch: work)
    }
}
