import ArgumentParser
import FlowLedger
import Foundation
import LedgerClient
import LedgerCore
import LedgerProjection
import LedgerReport
#if canImport(Glibc)
import Glibc
#endif

/// `flowledger report (DIR|URL) [--mirror DIR] [--key KEY.pem] [--ca FILE] [--out FILE.html] [--lang en|zh-CN] [--ack-window 24h] [--vkey VKEY] [--witness-key W]… [--from-checkpoint CP | --remember FILE] [--checked-at TIME]`
struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write the regulator's report: one self-contained HTML page with the verdict, the flows as a graph, violations, grants and quality.",
        discussion: """
            Catches the views up (as `views` does), runs the verifier `verify` runs, and writes one HTML \
            file with inline styles and SVG: it makes no network request and opens offline. The page \
            states what was checked, when (--checked-at, default now) and by which tool; the same \
            ledger checked at the same --checked-at gives the same file byte for byte. Exit codes as \
            `verify`: 0 intact and compliant, 1 integrity broken, 3 policy violations (the report is \
            written in each case), 2 usage or I/O error.
            With a served ledger's URL, the ledger is first mirrored as `flowledger mirror` does \
            (every entry and the checkpoint checked, --vkey and --witness-key required of it) into \
            --mirror DIR, or a temporary directory removed afterwards; a server that forked or \
            rewrote its history exits 1 with no report.
            """)

    @OptionGroup var ledger: LedgerLocation

    @Option(help: ArgumentHelp("With a URL: mirror into this directory (kept, and brought up to date on the next run) instead of a temporary one.", valueName: "DIR"))
    var mirror: String?

    @Option(help: ArgumentHelp("With a URL: a registered party's private key, to sign the requests (not needed with --public-read).", valueName: "KEY.pem"))
    var key: String?

    @Option(help: ArgumentHelp("With an https URL: also trust the certificates in this PEM file (a private CA).", valueName: "FILE"))
    var ca: String?

    @Option(help: "Write the page to this file instead of stdout.")
    var out: String?

    @Option(help: "The page's language: en or zh-CN (labels, rule names and explanations; ids and data are never translated).")
    var lang: String = "en"

    @Option(name: .customLong("ack-window"), help: "P7: how long a recipient has to acknowledge, in ledger time (e.g. 24h, 90m, 3600s).")
    var ackWindow: String = "24h"

    @Option(help: "The operator's verifier key as you received it (or a file holding it); without it the key in ledger.json is used.")
    var vkey: String?

    @Option(name: .customLong("witness-key"), help: "Require the latest checkpoint to be cosigned by this witness (repeatable).")
    var witnessKeys: [String] = []

    @OptionGroup var start: VerificationStart

    @Option(name: .customLong("checked-at"), help: "The check time the page states (RFC 3339 UTC, e.g. 2026-11-30T09:00:00Z); default: now.")
    var checkedAt: String?

    /// For scripts/bench-report.sh: where the time went, on stderr.
    @Flag(name: .customLong("timings"), help: .hidden)
    var timings = false

    func validate() throws {
        if ledger.url == nil && (mirror != nil || key != nil || ca != nil) {
            throw ValidationError("--mirror, --key and --ca go with a served ledger's URL; \(ledger.location) is a directory")
        }
    }

    func run() async throws {
        guard let url = ledger.url else { return try report(ledger.location) }
        let directory = try mirror ?? temporaryDirectory()
        defer { if mirror == nil { try? FileManager.default.removeItem(atPath: directory) } }
        var remote = RemoteLedgerOptions()
        remote.operatorKey = try vkey.map { try VerifierKeyArgument.parse($0, option: "--vkey") }
        remote.witnesses = try witnessKeys.map { try VerifierKeyArgument.parse($0, option: "--witness-key") }
        remote.trustRoots = ca.map { [$0] } ?? []
        let signingKey = try key.map { try KeyFile.read($0) }
        do {
            let result = try await LedgerMirror.run(url: url, directory: directory, key: signingKey, options: remote)
            Output.error("flowledger: mirrored \(url): \(result.size) entries (\(result.added) new), checkpoint size \(result.checkpoint.size) verified")
        } catch {
            throw CommandFailure(error, context: "report \(url)")
        }
        try report(directory)
    }

    /// A new empty directory for a mirror that lives only for this report.
    private func temporaryDirectory() throws -> String {
        let path = NSTemporaryDirectory() + "flowledger-report-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw CommandFailure("cannot create a temporary directory for the mirror (\(error.localizedDescription)); give one with --mirror DIR")
        }
        return path
    }

    /// Writes the report of the ledger directory `directory`.
    private func report(_ directory: String) throws {
        var options = ReportOptions()
        guard let language = ReportLanguage(tag: lang) else {
            throw CommandFailure("--lang: \"\(lang)\" is not a report language; use en or zh-CN")
        }
        options.language = language
        options.acknowledgementWindow = try RelativeTime.positiveDuration(ackWindow, option: "--ack-window")
        if let checkedAt {
            guard (try? Timestamp(parsing: checkedAt)) != nil else {
                throw CommandFailure("--checked-at: \"\(checkedAt)\" is not an RFC 3339 UTC time; write it as 2026-11-30T09:00:00Z")
            }
            options.checkedAt = checkedAt
        } else {
            options.checkedAt = Timestamp.now().description
        }
        var verifyOptions = VerifyOptions()
        if let vkey { verifyOptions.operatorKey = try VerifierKeyArgument.parse(vkey, option: "--vkey") }
        verifyOptions.witnessKeys = try witnessKeys.map { try VerifierKeyArgument.parse($0, option: "--witness-key") }
        verifyOptions.acknowledgementWindow = options.acknowledgementWindow
        try start.apply(to: &verifyOptions, directory: directory)

        let clock = ContinuousClock()
        var started = clock.now
        var spent: [(String, Duration)] = []
        func lap(_ name: String) { spent.append((name, clock.now - started)); started = clock.now }
        let views = try Self.views(directory, acknowledgementWindow: options.acknowledgementWindow)
        lap("views")
        let progress = ProgressLine(enabled: isatty(2) == 1)
        verifyOptions.progress = progress.update
        let verification: VerificationReport
        do { verification = try LedgerVerifier(directory: directory, options: verifyOptions).run() } catch {
            progress.clear()
            throw CommandFailure(error.message)
        }
        progress.clear()
        start.keep(verification)
        lap("verify")
        let page = ReportBuilder(views: views, verification: verification,
                                 latestCheckpoint: verification.latestCheckpointNote(directory: directory), options: options).html()
        lap("page")
        if timings {
            Output.error("flowledger: timings: " + spent.map { "\($0.0) \(String(format: "%.3f", Double($0.1.components.seconds) + Double($0.1.components.attoseconds) / 1e18)) s" }.joined(separator: ", "))
        }
        if let out {
            do { try Data(page).write(to: URL(fileURLWithPath: out), options: .atomic) } catch {
                throw CommandFailure("--out \(out): cannot write the report (\(error.localizedDescription)); check the directory exists and can be written")
            }
            Output.error("flowledger: report of \(verification.entries) entries written to \(out) (\(page.count) bytes); verdict: \(verification.verdict)")
        } else {
            Output.bytes(page)
        }
        if verification.verdict != .intact { throw ExitCode(verification.verdict.exitCode) }
    }

    /// The views of `directory`, caught up: its own views.sqlite, or, when the directory cannot
    /// be written (a regulator's read-only copy), views projected in memory for this run.
    static func views(_ directory: String, acknowledgementWindow: Int64) throws -> ReportViews {
        var options = ProjectorOptions()
        options.acknowledgementWindow = acknowledgementWindow
        do {
            let reader = try LedgerReader(directory: directory)
            let own = reader.layout.views
            let writable = access(directory, W_OK) == 0 && (access(own, F_OK) != 0 || access(own, W_OK) == 0)
            let projector = try Projector(reader: reader, path: writable ? own : nil, options: options)
            let result = try projector.catchUp()
            for note in result.notes { Output.error("flowledger: note: \(note)") }
            if !writable {
                Output.error("flowledger: note: \(directory) cannot be written, so its views.sqlite was not used or updated; the \(result.size) entries of the log were projected in memory for this report")
            }
            return try ReportViews(reading: projector.views)
        } catch let error as ProjectionError {
            throw CommandFailure(error.message, exit: error.logDamaged ? .rejected : .usage)
        } catch let error as StoreError {
            throw CommandFailure(error)
        }
    }
}
