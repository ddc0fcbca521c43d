import ArgumentParser
import FlowLedger

/// `verify --views`: after the log verified, recompute the views from it and compare them row
/// for row with views.sqlite (``ViewsCheck``). A difference is an integrity failure (exit 1).
enum VerifyViews {
    static func check(_ directory: String, acknowledgementWindow: Int64, json: Bool) throws {
        var options = ProjectorOptions()
        options.acknowledgementWindow = acknowledgementWindow
        let check: ViewsCheck
        do { check = try ViewsCheck.run(directory: directory, options: options) } catch let error as ProjectionError {
            throw CommandFailure(error.message)
        }
        if json {
            Output.line(String(decoding: CanonicalJSON.encode(.object([
                "views": .string(check.holds ? "match" : "mismatch"), "differing": .array(check.differingTables.map { .string($0) }),
                "expected": .string(check.expected.total.hex), "found": check.found.map { .string($0.total.hex) } ?? .null,
            ])), as: UTF8.self))
        } else {
            Output.line(check.message)
        }
        if !check.holds {
            if !json { Output.line("verdict: views mismatch (exit 1)") }
            throw ExitCode(CommandFailure.Exit.rejected.rawValue)
        }
    }
}
