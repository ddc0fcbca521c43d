import LedgerCore

/// How a report is written: its language, the instant it states the check was made, the tool
/// that made it, and how much it draws before it aggregates.
public struct ReportOptions: Sendable {
    /// Labels, rule names and explanations (ids and data are never translated).
    public var language: ReportLanguage = .english
    /// When the ledger was checked, as printed on the page (RFC 3339). A parameter, not the
    /// clock, so the same ledger checked at the same instant gives the same file byte for byte.
    public var checkedAt: String = ""
    /// The tool and version that checked and wrote it.
    public var generator: String = "flowledger (report format \(ReportBuilder.formatVersion))"
    /// The P7 window the views and the verifier used, in microseconds of ledger time.
    public var acknowledgementWindow: Int64 = PolicyChecker.defaultAcknowledgementWindow
    /// The graph draws at most this many organisations one by one; the rest become one node
    /// per column ("other organisations").
    public var maxGraphOrganisations = 50
    /// The graph draws at most this many flows one by one; the rest are counted per pair of nodes.
    public var maxGraphFlows = 500
    /// Each table lists at most this many rows (violations: per rule), then says how many more.
    public var maxTableRows = 1000

    /// The defaults: English, no check time, 50 organisations, 500 flows, 1000 rows a table.
    public init() {}
}
