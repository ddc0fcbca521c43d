import LedgerCore
import LedgerCrypto

extension VerificationReport {
    /// The report for a person: a summary, the first break with what it means and what to do,
    /// the policy findings grouped by rule, and the verdict with its exit code.
    ///
    ///     ledger      /srv/ledger (exchange.example/2026, ed25519-sha256)
    ///     operator    exchange.example/2026+1a2b3c4d+AW… (given with --vkey)
    ///     entries     42 in 1 segment; 42 signatures verified
    ///     checkpoint  size 20: root matches
    ///
    ///     INTEGRITY BROKEN at log/00000000000000000000.jsonl line 18 (seq 17, event "x-3" by ride.example)
    ///       …
    ///     verdict: broken (exit 1)
    public var text: String {
        details + "\nverdict: \(verdict) (exit \(verdict.exitCode))\n"
    }

    /// ``text`` without its last lines (a blank line and the verdict), for a caller that reports
    /// a check of its own before one verdict of its own (`verify --views`).
    public var details: String {
        var out: [String] = []
        out.append("ledger      \(directory) (\(origin), \(suite.rawValue))")
        out.append("operator    \(operatorKey) (\(operatorKeyTrusted ? "given with --vkey" : "read from ledger.json; pass --vkey to check against the key you were given"))")
        var extent = "entries     \(entries) in \(segments) segment\(segments == 1 ? "" : "s"); \(signaturesChecked) signature\(signaturesChecked == 1 ? "" : "s") checked"
        if let trustedSize, let remembered {
            extent += "; the first \(trustedSize) checked against the root remembered in \(remembered.source) from the verification of \(remembered.checkedAt), their signatures not verified again"
        } else if let trustedSize {
            extent += "; the first \(trustedSize) checked against the trusted checkpoint's root"
        }
        out.append(extent)
        if checkpoints.isEmpty {
            out.append("checkpoint  none published")
        }
        for check in checkpoints {
            out.append("checkpoint  \(check.file): \(Self.describe(check))")
        }
        for note in notes { out.append("note        \(note)") }
        if let problem = firstBreak {
            out.append("")
            out.append("INTEGRITY BROKEN at \(problem.location)")
            out.append("  broken    \(problem.kind)\(problem.field.isEmpty ? "" : ", field \(problem.field)")")
            if let expected = problem.expected { out.append("  expected  \(expected)") }
            if let found = problem.found { out.append("  found     \(found)") }
            out.append("  meaning   \(problem.meaning)")
            out.append("  detail    \(problem.detail)")
            if !replayComplete { out.append("  entries after the break were not checked; policy findings cover entries before it") }
        }
        if !findings.isEmpty {
            out.append("")
            out.append("POLICY FINDINGS: \(findings.count)")
            for (rule, group) in findingsByRule {
                out.append("\(rule.code) \(rule.title): \(group.count)")
                for finding in group {
                    out.append("  seq \(finding.seq) exchange \(finding.exchange) (\(finding.dataset): \(finding.provider) → \(finding.recipient)): \(finding.message)")
                }
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    private static func describe(_ check: CheckpointCheck) -> String {
        let size = check.size.map { "size \($0)" } ?? "unreadable"
        let cosigned = check.cosignedBy.isEmpty ? "" : "; cosigned by \(check.cosignedBy.joined(separator: ", "))"
        switch check.status {
        case .matches: return "\(size), root matches\(cosigned)"
        case .rootMismatch: return "\(size), ROOT MISMATCH\(cosigned)"
        case .beyondLog: return "\(size), BEYOND THE LOG\(cosigned)"
        case .badSignature: return "\(size), NOT SIGNED BY THE OPERATOR"
        case .notReached: return "\(size), not compared (the log breaks before it)"
        }
    }

    /// The report as one stable JSON document (keys sorted, absent values null). `remembered`
    /// (the record and its source) is present only when a verification was remembered, so the
    /// documents of other verifications stay as they were.
    public var json: JSONValue {
        var document: [String: JSONValue] = [
            "directory": .string(directory), "origin": .string(origin), "suite": .string(suite.rawValue),
            "operatorKey": .string(operatorKey), "operatorKeyTrusted": .bool(operatorKeyTrusted),
            "entries": .integer(entries), "segments": .integer(Int64(segments)), "signaturesChecked": .integer(signaturesChecked), "replayComplete": .bool(replayComplete),
            "trustedSize": trustedSize.map { .integer($0) } ?? .null,
            "checkpoints": .array(checkpoints.map(\.json)),
            "firstBreak": firstBreak?.json ?? .null,
            "findings": .array(findings.map(\.json)),
            "findingsByRule": .object(Dictionary(uniqueKeysWithValues: findingsByRule.map { ($0.rule.code, JSONValue.integer(Int64($0.findings.count))) })),
            "notes": .array(notes.map { .string($0) }),
            "verdict": .string(verdict.description), "exitCode": .integer(Int64(verdict.exitCode)),
        ]
        if let remembered {
            document["remembered"] = .object(["source": .string(remembered.source), "size": .integer(remembered.size),
                                              "root": .string(remembered.root.hex), "checkedAt": .string(remembered.checkedAt)])
        }
        return .object(document)
    }
}
