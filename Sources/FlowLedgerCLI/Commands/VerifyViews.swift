import ArgumentParser
import FlowLedger
import LedgerProjection

/// `verify --views`: after the log verified, recompute the views from it and compare them row
/// for row with views.sqlite (``ViewsCheck``). A difference is an integrity failure (exit 1).
/// The result joins the log's report: one report, one verdict, one JSON document.
enum VerifyViews {
    /// What `--views` found, or nil when the log broke before the views could be compared.
    static func check(_ directory: String, acknowledgementWindow: Int64) throws -> ViewsCheck {
        var options = ProjectorOptions()
        options.acknowledgementWindow = acknowledgementWindow
        do { return try ViewsCheck.run(directory: directory, options: options) } catch let error as ProjectionError {
            throw CommandFailure(error.message)
        }
    }

    /// The report's text with the views' paragraph before one verdict line.
    static func text(_ report: VerificationReport, _ check: ViewsCheck?) -> String {
        let views = check?.message ?? "views       not compared (the log breaks before they could be)"
        let (verdict, exitCode) = verdict(report, check)
        return report.details + "\n" + views + "\n\nverdict: \(verdict) (exit \(exitCode))\n"
    }

    /// The report's JSON with `views` (null when not compared) and the verdict of both.
    static func json(_ report: VerificationReport, _ check: ViewsCheck?) -> JSONValue {
        guard case .object(var members) = report.json else { return report.json }
        members["views"] = check.map { check in
            .object(["holds": .bool(check.holds), "differing": .array(check.differingTables.map { .string($0) }),
                     "expected": .string(check.expected.total.hex), "found": check.found.map { .string($0.total.hex) } ?? .null,
                     "message": .string(check.message)])
        } ?? .null
        let (verdict, exitCode) = verdict(report, check)
        members["verdict"] = .string(verdict)
        members["exitCode"] = .integer(Int64(exitCode))
        return .object(members)
    }

    /// The log's verdict, or `views mismatch` (exit 1) when the log holds but the views do not.
    static func verdict(_ report: VerificationReport, _ check: ViewsCheck?) -> (String, Int32) {
        if let check, !check.holds { return ("views mismatch", Verdict.integrityBroken.exitCode) }
        return (report.verdict.description, report.verdict.exitCode)
    }
}
