import ArgumentParser
import FlowLedger
import LedgerCore

/// `flowledger verify-proof --vkey VKEY (FILE.tlog-proof | FILE.json --checkpoint FILE | --old-checkpoint FILE --checkpoint FILE --proof FILE)`
struct VerifyProof: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify-proof",
        abstract: "Check an inclusion or consistency proof offline against signed checkpoints; no ledger needed.",
        usage: """
            flowledger verify-proof --vkey <vkey> <file.tlog-proof> [--checkpoint <cosigned copy>] [--witness-key <vkey> ...] [--json]
            flowledger verify-proof --vkey <vkey> <file.json> --checkpoint <checkpoint> [--witness-key <vkey> ...] [--json]
            flowledger verify-proof --vkey <vkey> --old-checkpoint <old> --checkpoint <new> --proof <proof> [--witness-key <vkey> ...] [--json]
            """,
        discussion: """
            Inclusion: give the proof file, a .tlog-proof (which carries its checkpoint and the entry) or the \
            JSON of `prove --seq N --json` with --checkpoint FILE.
            Consistency: --old-checkpoint A --checkpoint B --proof P, where P is what `prove --old M [--json]` \
            prints; checks that B extends A (history was appended to, not rewritten).
            VKEY is the operator's verifier key (as `flowledger vkey DIR` prints it), @FILE, or a file holding it.
            Exit codes: 0 the proof holds, 1 it does not (a signature, cosignature or proof fails), 2 usage or I/O.
            """)

    @Argument(help: "An inclusion proof: a .tlog-proof file, or the JSON of `prove --seq N --json`.")
    var proofFile: String?

    @Option(help: "The operator's verifier key (name+keyid+base64), @FILE, or a file holding it.")
    var vkey: String

    @Option(name: .customLong("old-checkpoint"), help: "The older signed checkpoint of a consistency proof.")
    var oldCheckpoint: String?

    @Option(help: "The signed checkpoint to prove against (required with a JSON proof and for consistency).")
    var checkpoint: String?

    @Option(help: "The consistency proof: base64 hashes one per line, or {\"new\",\"old\",\"path\"} JSON.")
    var proof: String?

    @Option(name: .customLong("witness-key"), help: "Also require a valid cosignature by this witness on the checkpoint (repeatable).")
    var witnessKeys: [String] = []

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if proofFile != nil {
            guard oldCheckpoint == nil && proof == nil else {
                throw ValidationError("give either a proof file (inclusion) or --old-checkpoint, --checkpoint and --proof (consistency), not both")
            }
        } else {
            guard oldCheckpoint != nil, checkpoint != nil, proof != nil else {
                throw ValidationError("give a proof file (inclusion), or --old-checkpoint, --checkpoint and --proof (consistency)")
            }
        }
    }

    func run() throws {
        let operatorKey = try VerifierKeyArgument.parse(vkey, option: "--vkey")
        let witnesses = try witnessKeys.map { try VerifierKeyArgument.parse($0, option: "--witness-key") }
        let report: ProofReport
        if let proofFile {
            let inclusion = try read(proofFile) { bytes throws(NoteError) in try ProofFile.inclusion(bytes) }
            if case .json(_, _, _, let size) = inclusion, checkpoint == nil {
                throw CommandFailure("\(proofFile): a JSON inclusion proof carries no checkpoint; give the signed checkpoint of size \(size) with --checkpoint FILE")
            }
            let checkpointBytes = try checkpoint.map { try FileInput.readAll($0, limit: Note.maxBytes) }
            report = try check { () throws(NoteError) in
                try ProofCheck.inclusion(inclusion, checkpoint: checkpointBytes, source: checkpoint ?? proofFile,
                                         operatorKey: operatorKey, witnesses: witnesses)
            }
        } else {
            let (oldPath, newPath, proofPath) = (oldCheckpoint!, checkpoint!, proof!)
            let consistency = try read(proofPath) { bytes throws(NoteError) in try ProofFile.consistency(bytes) }
            let old = try FileInput.readAll(oldPath, limit: Note.maxBytes)
            let new = try FileInput.readAll(newPath, limit: Note.maxBytes)
            report = try check { () throws(NoteError) in
                try ProofCheck.consistency(old: old, oldSource: oldPath, new: new, newSource: newPath, proof: consistency,
                                           operatorKey: operatorKey, witnesses: witnesses)
            }
        }
        if json {
            Output.line(String(decoding: CanonicalJSON.encode(.object([
                "details": .array(report.details.map { .string($0) }), "holds": .bool(report.holds),
                "summary": .string(report.summary), "verdict": .string(report.verdict.description),
            ])), as: UTF8.self))
            if !report.holds { throw ExitCode(report.verdict.exitCode) }
        } else if report.holds {
            Output.raw((["proof holds: " + report.summary] + report.details.map { "  " + $0 }).map { $0 + "\n" }.joined())
        } else {
            throw CommandFailure((["proof does not hold: " + report.summary] + report.details.map { "  " + $0 }).joined(separator: "\n"), exit: .rejected)
        }
    }

    /// Reads and parses a proof file; a parse error names the file.
    private func read<T>(_ path: String, _ parse: ([UInt8]) throws(NoteError) -> T) throws -> T {
        let bytes = try FileInput.readAll(path, limit: Note.maxBytes + (1 << 16))
        do {
            return try parse(bytes)
        } catch {
            throw CommandFailure("\(path): \(error.message)")
        }
    }

    /// Runs a check; inputs it cannot read are usage errors (exit 2).
    private func check(_ body: () throws(NoteError) -> ProofReport) throws -> ProofReport {
        do {
            return try body()
        } catch {
            throw CommandFailure(error.message)
        }
    }
}
