/// `quality.reported`: a recipient's feedback on a dataset's quality.
public struct QualityReportedBody: EventBodyCoding {
    static let type = EventType.qualityReported
    /// The dataset concerned.
    public let dataset: String
    /// The exchange concerned, if any.
    public let exchange: String?
    /// Which quality dimension.
    public let dimension: QualityDimension
    /// How serious.
    public let severity: Severity
    /// The report, free text.
    public let note: String

    /// Creates the body.
    public init(dataset: String, exchange: String?, dimension: QualityDimension, severity: Severity, note: String) {
        self.dataset = dataset
        self.exchange = exchange
        self.dimension = dimension
        self.severity = severity
        self.note = note
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        dataset = try reader.objectID("dataset")
        exchange = reader.optionalValue("exchange") == nil ? nil : try reader.objectID("exchange")
        dimension = try reader.enumeration("dimension", QualityDimension.self)
        severity = try reader.enumeration("severity", Severity.self)
        note = try reader.text("note")
    }

    var members: [String: JSONValue] {
        var members: [String: JSONValue] = ["dataset": .string(dataset), "dimension": .string(dimension.rawValue),
                                            "severity": .string(severity.rawValue), "note": .string(note)]
        if let exchange { members["exchange"] = .string(exchange) }
        return members
    }
}

/// `audit.finding`: a regulator's finding about an exchange, grant, dataset or party.
public struct AuditFindingBody: EventBodyCoding {
    static let type = EventType.auditFinding
    /// The id of what the finding is about.
    public let subject: String
    /// The finding, free text.
    public let finding: String
    /// How serious.
    public let severity: Severity

    /// Creates the body.
    public init(subject: String, finding: String, severity: Severity) {
        self.subject = subject
        self.finding = finding
        self.severity = severity
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        subject = try reader.objectID("subject")
        finding = try reader.text("finding")
        severity = try reader.enumeration("severity", Severity.self)
    }

    var members: [String: JSONValue] {
        ["subject": .string(subject), "finding": .string(finding), "severity": .string(severity.rawValue)]
    }
}
