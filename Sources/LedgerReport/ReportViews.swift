import LedgerProjection

/// What the report shows from the views: the projector's rows, with the exchanges reduced to
/// those that need attention and a count per day, and the violations to the first of each rule
/// and of each flow with a count per rule (a million exchanges need not be held to draw a chart
/// of them: the memory stays flat whatever the ledger's size). Immutable: a snapshot of the
/// views at ``size``.
///
/// ```swift
/// let projector = try Projector(directory: dir)
/// try projector.catchUp()
/// let views = try ReportViews(reading: projector.views)
/// ```
public struct ReportViews: Sendable {
    /// Entries the views cover.
    public let size: Int64
    /// Organisations (`parties`).
    public let parties: [PartyView]
    /// The catalogue (`datasets`).
    public let datasets: [DatasetView]
    /// Grants with their status (`grants`).
    public let grants: [GrantView]
    /// Provider → recipient per dataset, summed (`flows`).
    public let flows: [FlowView]
    /// Policy violations P1–P7 (`violations`), in the order found: all of them, or when read
    /// with a row limit the first of each rule and the first of each flow.
    public let violations: [ViolationView]
    /// The number of violations of each rule ("P1" … "P7"), all of them.
    public let violationCounts: [String: Int64]
    /// Quality feedback (`quality`).
    public let quality: [QualityView]
    /// Audit findings (`findings`).
    public let findings: [AuditFindingView]
    /// Exchanges awaiting acknowledgement, overdue (P7) or in discrepancy (P6), in log order
    /// (the first of them, when read with a row limit).
    public let attention: [ExchangeView]
    /// How many exchanges are awaiting, overdue or in discrepancy, all of them.
    public let attentionCount: Int64
    /// Exchanges recorded per day of ledger time (`YYYY-MM-DD`), days in order.
    public let exchangesPerDay: [(day: String, exchanges: Int64)]
    /// All exchanges.
    public let exchangeCount: Int64

    /// The views as given, for a caller that already read them (the service). Counts left out
    /// are those of the rows given.
    public init(size: Int64, parties: [PartyView], datasets: [DatasetView], grants: [GrantView], flows: [FlowView],
                violations: [ViolationView], violationCounts: [String: Int64]? = nil, quality: [QualityView], findings: [AuditFindingView],
                attention: [ExchangeView], attentionCount: Int64? = nil, exchangesPerDay: [(day: String, exchanges: Int64)], exchangeCount: Int64) {
        self.size = size
        self.parties = parties
        self.datasets = datasets
        self.grants = grants
        self.flows = flows
        self.violations = violations
        self.violationCounts = violationCounts ?? Dictionary(grouping: violations, by: \.rule).mapValues { Int64($0.count) }
        self.quality = quality
        self.findings = findings
        self.attention = attention
        self.attentionCount = attentionCount ?? Int64(attention.count)
        self.exchangesPerDay = exchangesPerDay
        self.exchangeCount = exchangeCount
    }

    /// Reads every view the report needs from `views` (caught up by the caller): every party,
    /// dataset, grant, flow, quality report and finding, and of the exchanges and violations at
    /// most `rowLimit` per table (per rule), with counts of all of them.
    /// - Throws: ``ProjectionError`` when the views cannot be read.
    public init(reading views: ViewReader, rowLimit: Int = 1000) throws {
        let attention = try views.exchangesNeedingAttention(limit: rowLimit)
        let violations = try views.violations(perRule: rowLimit)
        let days = try views.exchangesPerDay()
        self.init(size: try views.position()?.size ?? 0, parties: try views.parties(), datasets: try views.datasets(),
                  grants: try views.grants(), flows: try views.flows(), violations: violations.rows, violationCounts: violations.counts,
                  quality: try views.quality(), findings: try views.findings(), attention: attention.rows, attentionCount: attention.total,
                  exchangesPerDay: days, exchangeCount: days.reduce(0) { $0 + $1.exchanges })
    }

    /// All violations, of every rule.
    public var violationTotal: Int64 { violationCounts.values.reduce(0, +) }
}
