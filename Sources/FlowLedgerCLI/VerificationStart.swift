import ArgumentParser
import FlowLedger
import Foundation
import LedgerVerify
#if canImport(Glibc)
import Glibc
#endif

/// Where `verify` and `report` may start instead of genesis: a checkpoint verified before
/// (`--from-checkpoint`) or this tool's own record of an earlier verification (`--remember`),
/// which the run then brings up to date.
struct VerificationStart: ParsableArguments {
    @Option(name: .customLong("from-checkpoint"), help: "A checkpoint you verified before: re-check only what came after it (its root is recomputed; the report says so).")
    var fromCheckpoint: String?

    @Option(help: ArgumentHelp("Remember what this verification proves in FILE (yours, outside the ledger directory), and start from what it remembers: the entries it covers are checked against their root, their signatures not verified again.", valueName: "FILE"))
    var remember: String?

    func validate() throws {
        if fromCheckpoint != nil && remember != nil {
            throw ValidationError("--from-checkpoint and --remember both say where to start; give one of them")
        }
    }

    /// Puts the starting point into `options`, for the ledger in `directory`.
    func apply(to options: inout VerifyOptions, directory: String) throws {
        if let fromCheckpoint {
            guard let data = FileManager.default.contents(atPath: fromCheckpoint) else {
                throw CommandFailure("--from-checkpoint \(fromCheckpoint): cannot read the file")
            }
            options.trustedCheckpoint = (fromCheckpoint, Array(data))
        }
        if let remember {
            let file = Self.resolved(remember) ?? Self.resolved(AtomicFile.parent(of: remember))  // the file itself may be a link
            if let ledger = Self.resolved(directory), let file, file == ledger || file.hasPrefix(ledger + "/") {
                throw CommandFailure("--remember \(remember) lies inside the ledger directory \(directory): whoever can change the log there could change the record too; keep it outside, e.g. in your home directory")
            }
            do { options.verifiedBefore = try VerifiedPrefix.read(remember) } catch { throw CommandFailure(error.message) }
            options.keepsState = true
        }
    }

    /// Saves what `report` proved into the `--remember` file; a failure to save is a warning,
    /// since the verification itself stands.
    func keep(_ report: VerificationReport) {
        guard let remember, let proved = report.proved else { return }
        do { try proved.write(to: remember) } catch {
            Output.error("flowledger: warning: --remember \(error.message)")
        }
    }

    /// `path` with every link resolved, or nil when it does not exist.
    private static func resolved(_ path: String) -> String? {
        guard let real = realpath(path, nil) else { return nil }
        defer { free(real) }
        return String(cString: real)
    }
}
