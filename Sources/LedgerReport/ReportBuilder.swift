import LedgerCore
import LedgerProjection
import LedgerVerify

/// The regulator's report (issue 16): one self-contained HTML page — provenance and the
/// verifier's verdict, the flows as an SVG graph, violations grouped by rule P1–P7, grants,
/// exchanges that need attention, quality feedback, audit findings and exchanges per day —
/// built from views already projected and a verification report already made, so the CLI
/// (`flowledger report`) and the service (`GET v1/report`) write the same page.
///
/// The page makes no request of any kind (inline CSS, inline SVG, no script, no font, no
/// image), so it opens offline and stays valid as archived evidence. Text from the log is
/// escaped (``HTMLWriter``). The output depends only on the inputs: the same views, report and
/// options give the same bytes.
///
/// ```swift
/// let projector = try Projector(directory: dir)
/// try projector.catchUp()
/// let verification = try LedgerVerifier(directory: dir).run()
/// var options = ReportOptions()
/// options.checkedAt = "2026-11-30T09:00:00Z"
/// let page = try ReportBuilder(views: ReportViews(reading: projector.views), verification: verification, options: options).html()
/// ```
public struct ReportBuilder: Sendable {
    /// The version of the page's layout and data attributes (`data-flow`, `data-violation-seq`).
    public static let formatVersion = 1

    /// The views shown.
    public let views: ReportViews
    /// The verifier's report, whose verdict the page states.
    public let verification: VerificationReport
    /// The latest published checkpoint as stored (a signed note), for its signature lines; nil
    /// when none was published or it could not be read.
    public let latestCheckpoint: Note?
    /// Language, check time, limits.
    public let options: ReportOptions

    /// A report of `views` with the verdict of `verification`.
    public init(views: ReportViews, verification: VerificationReport, latestCheckpoint: Note? = nil, options: ReportOptions = ReportOptions()) {
        self.views = views
        self.verification = verification
        self.latestCheckpoint = latestCheckpoint
        self.options = options
    }

    /// The page, as UTF-8 bytes.
    public func html() -> [UInt8] {
        let s = options.language.strings
        var html = HTMLWriter(capacity: 1 << 18)
        html.raw("<!DOCTYPE html>\n<html lang=\"\(options.language.rawValue)\"><head><meta charset=\"utf-8\">")
        html.raw("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">")
        html.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><meta name=\"generator\" content=\"")
        html.text(options.generator)
        html.raw("\"><title>")
        html.text("\(s.title) · \(verification.origin)")
        html.raw("</title><style>\(ReportStyle.css)</style></head><body><main>")
        header(&html, s)
        provenance(&html, s)
        graph(&html, s)
        violations(&html, s)
        attention(&html, s)
        grants(&html, s)
        quality(&html, s)
        findings(&html, s)
        perDay(&html, s)
        datasets(&html, s)
        html.raw("<footer><p>")
        html.text(s.proofHint)
        html.raw("</p><p>")
        html.text("\(options.generator) · \(verification.origin) · \(s.size) \(grouped(verification.entries)) \(s.entries) · \(options.checkedAt)")
        html.raw("</p></footer></main></body></html>\n")
        return html.bytes
    }

    // MARK: - Sections

    private func header(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<header><h1>")
        html.text(s.title)
        html.raw("</h1><p class=\"subtitle\">")
        html.text(s.subtitle)
        html.raw("</p><p class=\"subtitle mono\">")
        html.text(verification.origin)
        html.raw("</p><nav>")
        for (anchor, title) in [("provenance", s.provenance), ("flows", s.graph), ("violations", s.violations), ("attention", s.attention),
                                ("grants", s.grants), ("quality", s.quality), ("findings", s.findings), ("per-day", s.perDay),
                                ("datasets", s.datasets)] {
            html.raw("<a href=\"#\(anchor)\">")
            html.text(title)
            html.raw("</a>")
        }
        html.raw("</nav></header>")
    }

    private func provenance(_ html: inout HTMLWriter, _ s: ReportStrings) {
        let verdict = verification.verdict
        let words: String
        switch verdict {
        case .intact: words = s.verdictIntact
        case .policyViolations: words = s.verdictViolations
        case .integrityBroken: words = s.verdictBroken
        case .cannotRun: words = s.verdictError
        }
        html.raw("<section id=\"provenance\"><h2>")
        html.text(s.provenance)
        html.raw("</h2><div class=\"verdict \(verdict)\" data-verdict=\"\(verdict)\"><span>")
        html.text(words)
        html.raw("</span><span class=\"badge\">flowledger verify: exit \(verdict.exitCode)</span></div>")
        html.raw("<div class=\"counts\">")
        let counts: [(Int64, String, Bool)] = [
            (verification.entries, s.entries, false), (Int64(views.parties.count), s.organisations, false),
            (Int64(views.flows.count), s.flows, false), (views.exchangeCount, s.exchangesWord, false),
            (views.violationTotal, s.violations, views.violationTotal > 0),
        ]
        for (value, label, bad) in counts {
            html.raw("<div class=\"count\(bad ? " bad" : "")\"><b>\(grouped(value))</b><span>")
            html.text(label.prefix(1).uppercased() + label.dropFirst())
            html.raw("</span></div>")
        }
        html.raw("</div><dl class=\"facts\">")
        fact(&html, s.origin, mono: true) { $0.text(verification.origin) }
        fact(&html, s.suite, mono: true) { $0.text(verification.suite.rawValue) }
        fact(&html, s.operatorKey, mono: false) {
            $0.raw("<code>"); $0.text(verification.operatorKey); $0.raw("</code><br><span class=\"muted\">")
            $0.text(verification.operatorKeyTrusted ? s.keyGiven : s.keyFromLedger); $0.raw("</span>")
        }
        fact(&html, s.size, mono: false) {
            $0.text("\(grouped(verification.entries)) \(s.entries) · \(verification.segments) \(s.segments) · \(grouped(verification.signaturesChecked)) \(s.signaturesChecked)")
        }
        let latest = verification.checkpoints.filter { $0.size != nil }.max { ($0.size!, $0.file) < ($1.size!, $1.file) }
        fact(&html, s.latestCheckpoint, mono: false) {
            guard let latest else { $0.text(s.noCheckpoint); return }
            $0.text("\(s.size) \(grouped(latest.size!)) · \(latest.file) · ")
            $0.raw("<span class=\"pill \(latest.status == .matches ? "ok" : "bad")\">")
            $0.text(s.value(latest.status.rawValue))
            $0.raw("</span>")
            if let root = latest.signedRoot { $0.raw("<br><span class=\"muted\">"); $0.text(s.rootHash); $0.raw("</span> <code>"); $0.text(root.base64); $0.raw("</code>") }
        }
        if let note = latestCheckpoint {
            fact(&html, s.cosignatures, mono: false) {
                for signature in note.signatures {
                    let role: String
                    if signature.name == verification.origin { role = s.operatorSignature }
                    else if latest?.cosignedBy.contains(signature.name) == true { role = s.witnessVerified }
                    else { role = s.witnessUnchecked }
                    $0.raw("<code>— "); $0.text(signature.name)
                    $0.text(" " + String(signature.keyID, radix: 16).leftPadded(to: 8))
                    $0.raw("</code> <span class=\"muted\">"); $0.text(role); $0.raw("</span><br>")
                }
            }
        }
        fact(&html, s.checked, mono: false) {
            $0.text(s.whatChecked)
            $0.raw("<br><span class=\"muted\">")
            $0.text("\(grouped(verification.signaturesChecked)) \(s.signaturesChecked) · \(verification.checkpoints.count) \(s.checkpointsRecomputed) · P7 \(Self.window(options.acknowledgementWindow))")
            $0.raw("</span>")
            if let trusted = verification.trustedSize, let remembered = verification.remembered {
                $0.raw("<br><span class=\"pill warn\">"); $0.text("\(grouped(trusted)) \(s.rememberedPrefix) \(remembered.checkedAt)"); $0.raw("</span>")
            } else if let trusted = verification.trustedSize {
                $0.raw("<br><span class=\"pill warn\">"); $0.text("\(grouped(trusted)) \(s.trustedPrefix)"); $0.raw("</span>")
            }
            if let problem = verification.firstBreak {
                $0.raw("<br><b class=\"pill bad\">"); $0.text(s.breakAt); $0.raw("</b> ")
                $0.text("\(problem.location): \(problem.kind) — \(problem.meaning)")
            }
            for note in verification.notes { $0.raw("<br><span class=\"muted\">"); $0.text(note); $0.raw("</span>") }
            // After a trusted checkpoint the verifier reports findings of the entries after it only
            // (after a remembered verification, of every entry).
            if Int64(verification.findings.count) != views.violationTotal && verification.firstBreak == nil
                && (verification.trustedSize == nil || verification.remembered != nil) {
                $0.raw("<br><span class=\"pill warn\">"); $0.text(s.findingsMismatch); $0.raw("</span>")
            }
        }
        fact(&html, s.checkedWhen, mono: true) { $0.text(options.checkedAt) }
        fact(&html, s.checkedBy, mono: true) { $0.text(options.generator) }
        html.raw("</dl></section>")
    }

    private func fact(_ html: inout HTMLWriter, _ label: String, mono: Bool, _ value: (inout HTMLWriter) -> Void) {
        html.raw("<dt>")
        html.text(label)
        html.raw(mono ? "</dt><dd class=\"mono\">" : "</dt><dd>")
        value(&html)
        html.raw("</dd>")
    }

    private func graph(_ html: inout HTMLWriter, _ s: ReportStrings) {
        let graph = FlowGraph(views: views, options: options, strings: s)
        html.raw("<section id=\"flows\"><h2>")
        html.text(s.graph)
        html.raw("</h2><p class=\"note\">")
        html.text(s.graphLegend)
        if graph.aggregated { html.raw(" <b>"); html.text(s.graphAggregated); html.raw("</b>") }
        html.raw("</p><div class=\"legend\">")
        for kind in ["government", "regulator", "enterprise", "organization"] {
            let (fill, stroke) = FlowGraph.colours(kind)
            html.raw("<span><i style=\"background:\(fill);border-color:\(stroke)\"></i>")
            html.text(s.value(kind))
            html.raw("</span>")
        }
        for sharing in ["open", "conditional", "none"] {
            html.raw("<span><s style=\"border-color:\(FlowGraph.colour(sharing: sharing))\"></s>")
            html.text(s.value(sharing))
            html.raw("</span>")
        }
        html.raw("<span><s style=\"border-color:#c62828\"></s>")
        html.text(s.violationEdge)
        html.raw("</span></div><div class=\"scroll\">")
        graph.write(to: &html, views: views, strings: s)
        html.raw("</div></section>")
    }

    private func violations(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"violations\"><h2>")
        html.text("\(s.violations) (\(grouped(views.violationTotal)))")
        html.raw("</h2>")
        if views.violationTotal == 0 { paragraph(&html, s.none) }
        let byRule = Dictionary(grouping: views.violations, by: \.rule)
        var anchored = Set<String>()
        for rule in PolicyRule.allCases {
            guard let rows = byRule[rule.code] else { continue }
            let total = max(views.violationCounts[rule.code] ?? 0, Int64(rows.count))
            html.raw("<div class=\"rule\" id=\"rule-\(rule.code)\"><span class=\"code\">\(rule.code)</span><b>")
            html.text(s.ruleTitles[rule] ?? rule.title)
            html.raw("</b> <span class=\"pill bad\">\(grouped(total))</span></div><p class=\"explain\">")
            html.text(s.ruleExplanations[rule] ?? "")
            if rule == .unacknowledged { html.text(" (\(Self.window(options.acknowledgementWindow)))") }
            html.raw("</p>")
            tableHead(&html, [s.seq, s.exchange, s.dataset, s.provider, s.recipient, s.related, s.detail])
            for row in rows.prefix(options.maxTableRows) {
                html.raw("<tr data-violation-seq=\"\(row.seq)\" data-rule=\"\(rule.code)\"")
                if anchored.insert(row.exchange).inserted {
                    html.raw(" id=\"\(HTMLWriter.anchor(exchange: row.exchange))\"")
                }
                html.raw(">")
                seqCell(&html, row.seq)
                cells(&html, [row.exchange, row.dataset, row.provider, row.recipient])
                html.raw("<td class=\"seq\">")
                if let related = row.relatedSeq { html.number(related) }
                html.raw("</td><td>")
                html.text(row.message)
                html.raw("</td></tr>")
            }
            tableFoot(&html, shown: min(rows.count, options.maxTableRows), of: Int(total), view: "violations", s)
        }
        html.raw("</section>")
    }

    private func attention(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"attention\"><h2>")
        html.text("\(s.attention) (\(grouped(views.attentionCount)))")
        html.raw("</h2>")
        guard !views.attention.isEmpty else { paragraph(&html, s.none); html.raw("</section>"); return }
        tableHead(&html, [s.seq, s.exchange, s.time, s.dataset, s.provider, s.recipient, s.records, s.ack, s.ruleVerdict])
        for row in views.attention.prefix(options.maxTableRows) {
            html.raw("<tr data-exchange-seq=\"\(row.seq)\">")
            seqCell(&html, row.seq)
            cells(&html, [row.exchange, row.time, row.dataset, row.provider, row.recipient])
            html.raw("<td class=\"num\">\(grouped(row.records))</td>")
            pill(&html, row.ack, s, bad: row.ack != "awaiting")
            pill(&html, row.verdict, s, bad: row.verdict != "compliant")
            html.raw("</tr>")
        }
        tableFoot(&html, shown: min(views.attention.count, options.maxTableRows), of: Int(views.attentionCount), view: "exchanges", s)
        html.raw("</section>")
    }

    private func grants(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"grants\"><h2>")
        html.text("\(s.grants) (\(grouped(Int64(views.grants.count))))")
        html.raw("</h2>")
        guard !views.grants.isEmpty else { paragraph(&html, s.none); html.raw("</section>"); return }
        tableHead(&html, [s.seq, s.grant, s.dataset, s.owner, s.grantee, s.purpose, s.fields, s.validity, s.status])
        for row in views.grants.prefix(options.maxTableRows) {
            html.raw("<tr data-grant-seq=\"\(row.issuedSeq)\">")
            seqCell(&html, row.issuedSeq)
            cells(&html, [row.grant, row.dataset, row.owner, row.grantee, row.purpose, row.fields.joined(separator: ", "),
                          "\(row.validFrom.prefix(10)) – \(row.validUntil.prefix(10))"])
            html.raw("<td><span class=\"pill \(row.status == "active" ? "ok" : row.status == "revoked" ? "bad" : "warn")\">")
            html.text(s.value(row.status))
            html.raw("</span>")
            if let revoked = row.revokedSeq { html.raw(" <span class=\"muted\">seq \(revoked)</span>") }
            html.raw("</td></tr>")
        }
        tableFoot(&html, shown: min(views.grants.count, options.maxTableRows), of: views.grants.count, view: "grants", s)
        html.raw("</section>")
    }

    private func quality(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"quality\"><h2>")
        html.text("\(s.quality) (\(grouped(Int64(views.quality.count))))")
        html.raw("</h2>")
        guard !views.quality.isEmpty else { paragraph(&html, s.none); html.raw("</section>"); return }
        tableHead(&html, [s.seq, s.reporter, s.dataset, s.exchange, s.dimension, s.severity, s.note])
        for row in views.quality.prefix(options.maxTableRows) {
            html.raw("<tr data-quality-seq=\"\(row.seq)\">")
            seqCell(&html, row.seq)
            cells(&html, [row.reporter, row.dataset, row.exchange ?? "", s.value(row.dimension)])
            pill(&html, row.severity, s, bad: row.severity == "high")
            cells(&html, [row.note])
            html.raw("</tr>")
        }
        tableFoot(&html, shown: min(views.quality.count, options.maxTableRows), of: views.quality.count, view: "quality", s)
        html.raw("</section>")
    }

    private func findings(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"findings\"><h2>")
        html.text("\(s.findings) (\(grouped(Int64(views.findings.count))))")
        html.raw("</h2>")
        guard !views.findings.isEmpty else { paragraph(&html, s.none); html.raw("</section>"); return }
        tableHead(&html, [s.seq, s.regulator, s.subject, s.severity, s.finding])
        for row in views.findings.prefix(options.maxTableRows) {
            html.raw("<tr data-finding-seq=\"\(row.seq)\">")
            seqCell(&html, row.seq)
            cells(&html, [row.regulator, row.subject])
            pill(&html, row.severity, s, bad: row.severity == "high")
            cells(&html, [row.finding])
            html.raw("</tr>")
        }
        tableFoot(&html, shown: min(views.findings.count, options.maxTableRows), of: views.findings.count, view: "findings", s)
        html.raw("</section>")
    }

    private func perDay(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"per-day\"><h2>")
        html.text(s.perDay)
        html.raw("</h2><p class=\"note\">")
        html.text(s.perDayCaption)
        html.raw("</p>")
        DailyChart.write(views.exchangesPerDay, caption: s.perDayCaption, to: &html)
        html.raw("</section>")
    }

    private func datasets(_ html: inout HTMLWriter, _ s: ReportStrings) {
        html.raw("<section id=\"datasets\"><h2>")
        html.text("\(s.datasets) (\(grouped(Int64(views.datasets.count))))")
        html.raw("</h2>")
        guard !views.datasets.isEmpty else { paragraph(&html, s.none); html.raw("</section>"); return }
        tableHead(&html, [s.seq, s.dataset, s.titleColumn, s.owner, s.sharing, s.level, s.fields])
        for row in views.datasets.prefix(options.maxTableRows) {
            html.raw("<tr data-dataset-seq=\"\(row.catalogedSeq)\">")
            seqCell(&html, row.catalogedSeq)
            cells(&html, [row.dataset, row.title, row.owner])
            pill(&html, row.sharing, s, bad: row.sharing == "none")
            pill(&html, row.level, s, bad: row.level == "core")
            cells(&html, [row.fields.joined(separator: ", ")])
            html.raw("</tr>")
        }
        tableFoot(&html, shown: min(views.datasets.count, options.maxTableRows), of: views.datasets.count, view: "datasets", s)
        html.raw("</section>")
    }

    // MARK: - Pieces

    private func paragraph(_ html: inout HTMLWriter, _ text: String) {
        html.raw("<p class=\"muted\">")
        html.text(text)
        html.raw("</p>")
    }

    private func tableHead(_ html: inout HTMLWriter, _ columns: [String]) {
        html.raw("<table><thead><tr>")
        for column in columns { html.raw("<th>"); html.text(column); html.raw("</th>") }
        html.raw("</tr></thead><tbody>")
    }

    private func tableFoot(_ html: inout HTMLWriter, shown: Int, of total: Int, view: String, _ s: ReportStrings) {
        html.raw("</tbody></table>")
        if total > shown {
            html.raw("<p class=\"note\">")
            html.text("+\(grouped(Int64(total - shown))) \(s.moreNotShown) \(view)")
            html.raw("</p>")
        }
    }

    private func seqCell(_ html: inout HTMLWriter, _ seq: Int64) { html.raw("<td class=\"seq\">\(seq)</td>") }

    private func cells(_ html: inout HTMLWriter, _ values: [String]) {
        for value in values { html.raw("<td>"); html.text(value); html.raw("</td>") }
    }

    private func pill(_ html: inout HTMLWriter, _ value: String, _ s: ReportStrings, bad: Bool) {
        html.raw("<td><span class=\"pill\(bad ? " bad" : "")\">")
        html.text(s.value(value))
        html.raw("</span></td>")
    }

    /// A window in microseconds as the CLI writes it: 24h, 90m, 45s.
    static func window(_ microseconds: Int64) -> String {
        let seconds = microseconds / 1_000_000
        if seconds % 3600 == 0 { return "\(seconds / 3600)h" }
        if seconds % 60 == 0 { return "\(seconds / 60)m" }
        return "\(seconds)s"
    }
}

extension String {
    /// Left-padded with zeros to `width` characters.
    func leftPadded(to width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}
