import FlowLedger
import Foundation
import LedgerCore
import LedgerTestSupport

/// Ledgers for the proof and witness tests, built with the library under one origin and one
/// operator key, checkpointed at chosen sizes — and a regulator's folder with no ledger in it,
/// where proofs are checked with the real `flowledger`.
///
/// Two ledgers made here share origin and operator key but not history (their genesis entries
/// differ, and so do the parties registered): the operator-signed checkpoints of both verify,
/// yet no consistency proof connects them — a rewritten history, a split view.
struct ProofFixture {
    /// Everything lives here; removed by ``remove()``.
    let work: String
    /// Where the regulator works: proof and checkpoint files only.
    let regulator: String
    let origin = "exchange.proof.example/2026"
    let operatorKey: PrivateKey
    /// The operator's verifier key string.
    let vkey: String

    init(suite: Suite = .ed25519SHA256) throws {
        work = try temporaryDirectory().path
        regulator = work + "/regulator"
        try FileManager.default.createDirectory(atPath: regulator, withIntermediateDirectories: true)
        operatorKey = try PrivateKey.generate(suite: suite)
        vkey = try NoteSigner(name: origin, key: operatorKey).verifierKey.string
    }

    /// A ledger at `work/name`: genesis, then one registration per party, with a checkpoint
    /// published at each size in `checkpoints`.
    func ledger(_ name: String, parties: [String], checkpoints: Set<Int64>) async throws -> String {
        let directory = work + "/" + name
        let ledger = try Ledger.create(at: directory, origin: origin, operatorID: "ops.exchange", operatorKey: operatorKey)
        defer { ledger.close() }
        let registrar = Participant(id: "ops.exchange", key: operatorKey, origin: origin)
        if checkpoints.contains(1) { try ledger.checkpoint(operatorKey: operatorKey) }
        for party in parties {
            try await ledger.append(registrar.sign(.partyRegistered(PartyRegisteredBody(
                party: party, name: party, kind: .enterprise, roles: [.provider], key: PrivateKey.generate(suite: operatorKey.suite).publicKey)),
                id: "reg-\(party)"))
            if checkpoints.contains(ledger.size) { try ledger.checkpoint(operatorKey: operatorKey) }
        }
        return directory
    }

    /// The published checkpoint of `size` in the ledger at `directory`.
    func checkpoint(_ directory: String, size: Int64) throws -> String {
        try contents("\(directory)/checkpoints/\(size).checkpoint")
    }

    /// Writes `text` to `regulator/name` and returns the path.
    @discardableResult
    func file(_ name: String, _ text: String) throws -> String {
        let path = regulator + "/" + name
        try write(text, to: path)
        return path
    }

    /// Runs `flowledger` with `arguments`; the output of commands that must succeed.
    func succeed(_ arguments: String...) throws -> String { try succeed(arguments) }

    /// Runs `flowledger` with `arguments`; the output of commands that must succeed.
    func succeed(_ arguments: [String]) throws -> String {
        let result = try flowledger(arguments)
        guard result.status == 0 else { throw FixtureError("flowledger \(arguments.joined(separator: " ")) exited \(result.status): \(result.err)") }
        return result.out
    }

    /// A new key file (mode 0600) in `work`, for a witness.
    func keyFile(_ name: String, suite: Suite = .ed25519SHA256) throws -> (path: String, key: PrivateKey) {
        let key = try PrivateKey.generate(suite: suite)
        let path = work + "/\(name).pem"
        FileManager.default.createFile(atPath: path, contents: Data(try key.pemRepresentation().utf8), attributes: [.posixPermissions: 0o600])
        return (path, key)
    }

    /// The entry line carried by a tlog-proof.
    func entry(in proof: String) throws -> Entry {
        try Entry(line: TLogProof(text: proof).extra!)
    }

    func remove() { try? FileManager.default.removeItem(atPath: work) }
}
