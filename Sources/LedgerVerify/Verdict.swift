/// What a regulator's check concluded, with the exit code DESIGN §10 fixes for it. Scripts of
/// regulators depend on these numbers: 0 intact and compliant, 1 integrity broken, 3 intact but
/// with policy violations, 2 the check could not run (usage or I/O).
public enum Verdict: Int32, Sendable, CaseIterable, CustomStringConvertible {
    /// Everything checked holds, and no policy rule was broken.
    case intact = 0
    /// An integrity rule is broken: a changed, missing, forged or misplaced entry, a bad
    /// signature, a checkpoint or proof that does not match.
    case integrityBroken = 1
    /// The check could not run: bad usage, a missing or unreadable file.
    case cannotRun = 2
    /// The log is intact, but exchanges broke policy rules P1–P7.
    case policyViolations = 3

    /// The process exit code.
    public var exitCode: Int32 { rawValue }

    /// One word for reports: `intact`, `broken`, `error`, `violations`.
    public var description: String {
        switch self {
        case .intact: return "intact"
        case .integrityBroken: return "broken"
        case .cannotRun: return "error"
        case .policyViolations: return "violations"
        }
    }
}
