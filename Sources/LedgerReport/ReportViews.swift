import LedgerProjection

/// What the report shows from the views: the projector's rows, with the exchanges reduced to
/// those that need attention and a count per day (a million exchanges need not be held to draw
/// a chart of them). Immutable: a snapshot of the views at ``size``.
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
    /// Policy violations P1–P7 (`violations`), in the order found.
    public let violations: [ViolationView]
    /// Quality feedback (`quality`).
    public let quality: [QualityView]
    /// Audit findings (`findings`).
    public let findings: [AuditFindingView]
    /// Exchanges awaiting acknowledgement, overdue (P7) or in discrepancy (P6), in log order.
    public let attention: [ExchangeView]
    /// Exchanges recorded per day of ledger time (`YYYY-MM-DD`), days in order.
    public let exchangesPerDay: [(day: String, exchanges: Int64)]
    /// All exchanges.
    public let exchangeCount: Int64

    /// The views as given, for a caller that already read them (the service).
    public init(size: Int64, parties: [PartyView], datasets: [DatasetView], grants: [GrantView], flows: [FlowView],
                violations: [ViolationView], quality: [QualityView], findings: [AuditFindingView], attention: [ExchangeView],
                exchangesPerDay: [(day: String, exchanges: Int64)], exchangeCount: Int64) {
        self.size = size
        self.parties = parties
        self.datasets = datasets
        self.grants = grants
        self.flows = flows
        self.violations = violations
        self.quality = quality
        self.findings = findings
        self.attention = attention
        self.exchangesPerDay = exchangesPerDay
        self.exchangeCount = exchangeCount
    }

    /// Reads every view the report needs from `views` (caught up by the caller).
    /// - Throws: ``ProjectionError`` when the views cannot be read.
    public init(reading views: ViewReader) throws {
        var attention: [ExchangeView] = []
        var days: [String: Int64] = [:]
        let exchanges = try views.exchanges()
        for exchange in exchanges {
            if exchange.ack != "acknowledged" { attention.append(exchange) }
            days[String(exchange.time.prefix(10)), default: 0] += 1
        }
        self.init(size: try views.position()?.size ?? 0, parties: try views.parties(), datasets: try views.datasets(),
                  grants: try views.grants(), flows: try views.flows(), violations: try views.violations(),
                  quality: try views.quality(), findings: try views.findings(), attention: attention,
                  exchangesPerDay: days.keys.sorted().map { ($0, days[$0]!) }, exchangeCount: Int64(exchanges.count))
    }
}
