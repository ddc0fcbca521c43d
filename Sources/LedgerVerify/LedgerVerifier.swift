import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// Replays a ledger from its segment files and proves it intact, or names the first place it is
/// not (DESIGN §7, §8): every line canonical, seq and prev chain and time order, every signature
/// under the key active at that position, authority, references and idempotency; then every
/// published checkpoint's signature and root; then the policy rules P1–P7.
///
/// It judges `log/` alone. The derived `index/` is never trusted (it is read only after a
/// checkpoint mismatch, to point at the entry that was probably rewritten), and `ledger.json` is
/// checked against the operator key the regulator trusts (``VerifyOptions/operatorKey``).
///
/// Signatures are checked on every core while one thread applies the rules in order. Memory is
/// bounded by the live state (parties, keys, datasets, grants, exchanges, event ids) and a
/// window of lines, not by the size of the log.
///
/// ```swift
/// var options = VerifyOptions()
/// options.operatorKey = try VerifierKey(string: vkeyText)
/// let report = try LedgerVerifier(directory: "/srv/ledger", options: options).run()
/// print(report.text)
/// exit(report.verdict.exitCode)
/// ```
public struct LedgerVerifier: Sendable {
    /// The ledger directory.
    public let directory: String
    /// What to trust and what to require.
    public let options: VerifyOptions

    /// A verifier of the ledger at `directory`.
    public init(directory: String, options: VerifyOptions = VerifyOptions()) {
        self.directory = directory
        self.options = options
    }

    /// Verifies the ledger.
    /// - Returns: the report; a broken or non-compliant ledger is a result, not an error.
    /// - Throws: ``VerifyError`` only when verification cannot run (not a ledger, unreadable files).
    public func run() throws(VerifyError) -> VerificationReport {
        let layout = LedgerLayout(directory: directory)
        guard Directory.exists(layout.manifest) || Directory.exists(layout.log) else {
            throw VerifyError("\(directory): not a ledger directory (no ledger.json and no log/); give the directory `flowledger init` created")
        }
        let manifest: LedgerManifest
        let ledgerKey: VerifierKey
        do {
            manifest = try LedgerManifest.read(layout)
            ledgerKey = try CheckpointStore(layout: layout, manifest: manifest).operatorVerifierKey()
        } catch let error as StoreError {
            throw VerifyError("\(error.message); without it the ledger's origin and suite are unknown. Restore ledger.json from a backup or from the operator")
        } catch {
            throw VerifyError("\(layout.manifest): \(error)")
        }
        let operatorKey = options.operatorKey ?? ledgerKey
        var report = VerificationReport(directory: directory, origin: manifest.origin, suite: manifest.suite,
                                        operatorKey: operatorKey.string, operatorKeyTrusted: options.operatorKey != nil)
        if options.operatorKey == nil {
            report.notes.append("the operator key was read from ledger.json, so a ledger re-keyed as a whole would pass; pass --vkey with the key the operator gave you")
        }
        if let problem = operatorKeyMismatch(ledgerKey: ledgerKey, origin: manifest.origin) {
            report.firstBreak = problem
            report.checkpoints = CheckpointFiles.read(layout: layout, operatorKey: operatorKey, origin: manifest.origin, witnesses: options.witnessKeys)
                .files.map { $0.result(computedRoot: nil, logSize: nil) }
            return report
        }
        let published = CheckpointFiles.read(layout: layout, operatorKey: operatorKey, origin: manifest.origin, witnesses: options.witnessKeys)
        let trusted = try trustedPrefix(manifest: manifest, operatorKey: operatorKey)
        report.trustedSize = trusted?.size
        if case .remembered(var prefix) = trusted?.basis {
            prefix.state = nil  // the report names the record; the state's bytes stay with their owner
            report.remembered = prefix
        }
        let resume = trusted.flatMap { resumableState($0, report: &report) }
        var replay = Replay(layout: layout, manifest: manifest, operatorKey: operatorKey, trusted: trusted, resume: resume,
                            rootSizes: Set(published.files.compactMap(\.checkpoint?.size)), options: options)
        try replay.run(into: &report)

        // Checkpoints: signature, then root against the log.
        for file in published.files {
            let size = file.checkpoint?.size
            report.checkpoints.append(file.result(computedRoot: size.flatMap { replay.roots[$0] }, logSize: replay.firstBreakSeq == nil ? replay.size : nil))
        }
        if report.firstBreak == nil {
            report.firstBreak = checkpointBreak(report.checkpoints, layout: layout, manifest: manifest, logSize: replay.size)
        }
        if report.firstBreak == nil, let problem = replay.rememberedRootBreak {
            report.firstBreak = problem  // a rewrite no rule and no checkpoint shows: the remembered root does
        }
        if report.firstBreak == nil, !options.witnessKeys.isEmpty {
            report.firstBreak = missingCosignature(report.checkpoints)
        }
        if let note = published.latestNote { report.notes.append(note) }
        if report.checkpoints.isEmpty {
            report.notes.append("no checkpoint is published, so nothing proves this history is the one the operator signed; ask the operator to run `flowledger checkpoint`")
        }
        if report.firstBreak == nil && report.replayComplete {
            var proved = VerifiedPrefix(origin: manifest.origin, suite: manifest.suite, operatorKey: operatorKey.string,
                                        size: replay.size, root: replay.root, checkedAt: Timestamp.now().description,
                                        acknowledgementWindow: options.acknowledgementWindow)
            // After a checkpoint verified before, the findings below it are not known here.
            if options.keepsState && options.trustedCheckpoint == nil { proved.state = replay.stateBytes(findings: report.findings) }
            report.proved = proved
        }
        return report
    }

    /// The break when `ledger.json`'s operator key is not the one trusted: the `--vkey` given,
    /// or without one, the key a remembered verification of this ledger ran under.
    private func operatorKeyMismatch(ledgerKey: VerifierKey, origin: String) -> IntegrityBreak? {
        if let trusted = options.operatorKey, trusted.string != ledgerKey.string {
            return IntegrityBreak(
                kind: .operatorKeyMismatch, file: "ledger.json", field: "operatorKey", expected: trusted.string, found: ledgerKey.string,
                meaning: "ledger.json names another operator key than the verifier key you trust: this directory is another ledger, or it was re-keyed; nothing in it can be trusted as the operator's",
                detail: "compare the --vkey you were given with `flowledger vkey \(directory)`")
        }
        if let prefix = options.verifiedBefore, options.operatorKey == nil, prefix.origin == origin, prefix.operatorKey != ledgerKey.string {
            return IntegrityBreak(
                kind: .operatorKeyMismatch, file: "ledger.json", field: "operatorKey",
                expected: "\(prefix.operatorKey) (the key this ledger had when you verified it, remembered in \(prefix.source))", found: ledgerKey.string,
                meaning: "ledger.json names another operator key than this ledger had when you verified it (\(prefix.checkedAt)): it was re-keyed since, and a ledger re-keyed as a whole passes every other check",
                detail: "verify with --vkey set to the key the operator gave you")
        }
        return nil
    }

    /// The entries verified before, from `--from-checkpoint` or `--remember`, checked to be of
    /// this ledger under this operator key.
    private func trustedPrefix(manifest: LedgerManifest, operatorKey: VerifierKey) throws(VerifyError) -> TrustedPrefix? {
        switch (options.trustedCheckpoint, options.verifiedBefore) {
        case (nil, nil):
            return nil
        case (.some, .some):
            throw VerifyError("--from-checkpoint and --remember both say where to start; give one of them")
        case (let file?, nil):
            do {
                let checkpoint = try Checkpoint.open(file.bytes, verifiers: [operatorKey], origin: manifest.origin).checkpoint
                return TrustedPrefix(size: checkpoint.size, root: checkpoint.root, basis: .checkpoint)
            } catch {
                throw VerifyError("\(file.path): not a checkpoint of \(manifest.origin) signed by the operator key \(operatorKey.string): \(error); --from-checkpoint takes a checkpoint you verified before")
            }
        case (nil, let prefix?):
            guard prefix.origin == manifest.origin, prefix.suite == manifest.suite else {
                throw VerifyError("\(prefix.source) remembers a verification of \(prefix.origin) (\(prefix.suite.rawValue)), but \(directory)/ledger.json says \(manifest.origin) (\(manifest.suite.rawValue)): if this is another ledger, give each ledger its own --remember file; if it is the ledger you verified before, its ledger.json was changed since: verify it in full with the --vkey you were given")
            }
            guard prefix.operatorKey == operatorKey.string else {
                throw VerifyError("\(prefix.source) remembers a verification under the operator key \(prefix.operatorKey), but --vkey gives \(operatorKey.string): give the key you were given; if the operator changed its key, verify in full under the new one with another --remember file")
            }
            return TrustedPrefix(size: prefix.size, root: prefix.root, basis: .remembered(prefix))
        }
    }

    /// The verifier's state saved with a remembered verification, when it describes exactly the
    /// entries remembered under this run's P7 window; otherwise nil and a note saying why the
    /// covered entries are replayed instead.
    private func resumableState(_ trusted: TrustedPrefix, report: inout VerificationReport) -> VerifierState? {
        guard case .remembered(let prefix) = trusted.basis, prefix.size > 0, prefix.hasState else { return nil }
        let setAside: String
        if prefix.acknowledgementWindow != options.acknowledgementWindow {
            // Known from the record alone: the state file is not read.
            setAside = "\(prefix.source) was saved with another P7 window (--ack-window), so its state was set aside"
        } else {
            switch prefix.loadState() {
            case .failure(let reason):
                setAside = reason.message
            case .success(let bytes):
                do {
                    let state = try VerifierState(bytes: bytes)
                    if state.size == prefix.size && state.root == prefix.root && state.acknowledgementWindow == prefix.acknowledgementWindow { return state }
                    setAside = "the state beside \(prefix.source) describes another position than the record"
                } catch {
                    setAside = "the state beside \(prefix.source) is damaged (\(error))"
                }
            }
        }
        report.notes.append("\(setAside); the first \(prefix.size) entries were replayed for state instead (their signatures not verified again), and the state is saved anew")
        return nil
    }

    /// The first checkpoint problem, when the log itself is intact.
    private func checkpointBreak(_ checks: [CheckpointCheck], layout: LedgerLayout, manifest: LedgerManifest, logSize: Int64) -> IntegrityBreak? {
        if let bad = checks.first(where: { $0.status == .badSignature }) {
            return IntegrityBreak(kind: .checkpointSignature, file: bad.file, field: "signature",
                                  expected: "a valid signature by \(options.operatorKey?.string ?? "the operator key in ledger.json")", found: bad.problem,
                                  meaning: "\(bad.file) is not a checkpoint the operator signed for this ledger: it was altered or forged after publication",
                                  detail: bad.problem ?? "")
        }
        if let short = checks.first(where: { $0.status == .beyondLog }), let size = short.size {
            return IntegrityBreak(kind: .truncatedBelowCheckpoint, file: short.file, seq: logSize, field: "size",
                                  expected: "at least \(size) entries", found: "\(logSize) entries",
                                  meaning: "the operator signed for \(size) entries but the log has only \(logSize): entries \(logSize)…\(size - 1) were removed after they were checkpointed",
                                  detail: "restore the missing entries from a backup; the checkpoint is the evidence that they existed")
        }
        guard let mismatch = checks.first(where: { $0.status == .rootMismatch }), let size = mismatch.size else { return nil }
        let hint = RewriteLocator(layout: layout, hash: manifest.suite.hash).firstRewrittenEntry(below: size)
        var meaning = "the operator signed root \(mismatch.signedRoot?.hex ?? "?") for the first \(size) entries, but they now hash to \(mismatch.computedRoot?.hex ?? "?"): history was rewritten after the checkpoint (entries changed, re-chained and re-signed where their authors' keys allowed)"
        // The checkpoints alone bound the change: after the largest one that still matches.
        let lastGood = checks.filter { $0.status == .matches && ($0.size ?? 0) < size }.compactMap(\.size).max() ?? 0
        meaning += "; the first changed entry is among entries \(lastGood)…\(size - 1)"
        meaning += lastGood > 0 ? " (checkpoint \(lastGood) still matches)" : ""
        if let hint {
            meaning += "; the derived index/hashes, written at append time, records another hash for entry \(hint.seq) (\(hint.file) line \(hint.line)): probably the first rewritten entry"
        }
        return IntegrityBreak(kind: .checkpointMismatch, file: hint?.file ?? mismatch.file, line: hint?.line, seq: hint?.seq,
                              eventID: hint?.eventID, author: hint?.author, field: "root",
                              expected: mismatch.signedRoot.map { "root \($0.hex) (signed in \(mismatch.file))" },
                              found: mismatch.computedRoot.map { "root \($0.hex) (recomputed from log/)" },
                              meaning: meaning,
                              detail: "\(mismatch.file) covers \(size) entries; the linear prev chain alone cannot show this, only the signed Merkle root can. index/ is derived and not trusted: the root mismatch is the evidence")
    }

    /// Every required witness must have cosigned the latest checkpoint that matches the log.
    private func missingCosignature(_ checks: [CheckpointCheck]) -> IntegrityBreak? {
        guard let latest = checks.filter({ $0.status == .matches }).max(by: { ($0.size ?? 0) < ($1.size ?? 0) }) else {
            return IntegrityBreak(kind: .missingCosignature, file: "checkpoints/", field: "cosignature",
                                  expected: "a checkpoint cosigned by \(options.witnessKeys.map(\.name).joined(separator: ", "))", found: "no valid checkpoint",
                                  meaning: "a witness cosignature was required but no checkpoint matches the log", detail: "publish a checkpoint and have it witnessed")
        }
        let missing = options.witnessKeys.filter { !latest.cosignedBy.contains($0.name) }
        guard !missing.isEmpty else { return nil }
        return IntegrityBreak(kind: .missingCosignature, file: latest.file, field: "cosignature",
                              expected: "cosignatures by \(missing.map(\.string).joined(separator: ", "))",
                              found: latest.cosignedBy.isEmpty ? "no cosignature from a required witness" : "cosigned only by \(latest.cosignedBy.joined(separator: ", "))",
                              meaning: "the latest checkpoint (size \(latest.size ?? 0)) was not witnessed by every witness you require: nobody independent has confirmed this is the only history the operator shows",
                              detail: "ask the witness to run `flowledger witness cosign` on \(latest.file), or verify without --witness-key")
    }
}
