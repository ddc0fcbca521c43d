import ArgumentParser
import FlowLedger
import Foundation
import LedgerCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// `flowledger verify DIR [--vkey VKEY] [--witness-key VKEY]… [--from-checkpoint FILE | --remember FILE] [--json]`
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay a ledger from its segment files and report the first integrity break and every policy finding.",
        discussion: """
            Checks every line (canonical bytes, seq, prev chain, time order, signature under the key \
            active at that position, authority, references, idempotency), every published checkpoint \
            (operator signature and Merkle root), then policy rules P1-P7. Derived files are not trusted.
            Exit codes: 0 intact and compliant, 1 integrity broken, 3 intact but policy violations, \
            2 usage or I/O error.
            """)

    @OptionGroup var ledger: LedgerDirectory

    @Option(help: "The operator's verifier key as you received it (or a file holding it); without it the key in ledger.json is used.")
    var vkey: String?

    @Option(name: .customLong("witness-key"), help: "Require the latest checkpoint to be cosigned by this witness (repeatable).")
    var witnessKeys: [String] = []

    @OptionGroup var start: VerificationStart

    @Option(name: .customLong("ack-window"), help: "P7: how long a recipient has to acknowledge, in ledger time (e.g. 24h, 90m, 3600s).")
    var ackWindow: String = "24h"

    @Flag(help: "Print the report as one JSON document.")
    var json = false

    @Flag(name: .customLong("views"), help: "Also prove that views.sqlite is exactly what the log implies (exit 1 if it differs).")
    var checkViews = false

    func run() throws {
        var options = VerifyOptions()
        if let vkey { options.operatorKey = try VerifierKeyArgument.parse(vkey, option: "--vkey") }
        options.witnessKeys = try witnessKeys.map { try VerifierKeyArgument.parse($0, option: "--witness-key") }
        try start.apply(to: &options, directory: ledger.directory)
        options.acknowledgementWindow = try RelativeTime.positiveDuration(ackWindow, option: "--ack-window")
        let progress = ProgressLine(enabled: isatty(2) == 1)
        options.progress = progress.update
        let report: VerificationReport
        do {
            report = try LedgerVerifier(directory: ledger.directory, options: options).run()
        } catch {
            progress.clear()
            throw CommandFailure(error.message)
        }
        progress.clear()
        start.keep(report)
        guard checkViews else {
            Output.raw(json ? String(decoding: CanonicalJSON.encode(report.json), as: UTF8.self) + "\n" : report.text)
            if report.verdict != .intact { throw ExitCode(report.verdict.exitCode) }
            return
        }
        let views = report.verdict == .intact || report.verdict == .policyViolations
            ? try VerifyViews.check(ledger.directory, acknowledgementWindow: options.acknowledgementWindow) : nil
        Output.raw(json ? String(decoding: CanonicalJSON.encode(VerifyViews.json(report, views)), as: UTF8.self) + "\n"
                        : VerifyViews.text(report, views))
        let exitCode = VerifyViews.verdict(report, views).1
        if exitCode != 0 { throw ExitCode(exitCode) }
    }
}

/// A progress line on stderr for long runs, only on a terminal: entries checked, share of the
/// log read, rate. Rewritten in place; cleared before the report is printed.
final class ProgressLine: Sendable {
    private let enabled: Bool
    private let start = Date()
    /// Whether a line is on screen; the lock also keeps two updates from interleaving.
    private let shown = Mutex(false)

    init(enabled: Bool) { self.enabled = enabled }

    func update(entries: Int64, bytesRead: Int64, totalBytes: Int64) {
        guard enabled else { return }
        let elapsed = max(Date().timeIntervalSince(start), 0.001)
        let percent = totalBytes > 0 ? Int(100 * bytesRead / totalBytes) : 100
        shown.withLock { shown in
            Output.rawError("\rverifying: \(entries) entries (\(percent)% of the log), \(Int(Double(entries) / elapsed))/s   ")
            shown = true
        }
    }

    func clear() {
        shown.withLock { shown in
            if shown { Output.rawError("\r\u{1B}[K") }
            shown = false
        }
    }
}
