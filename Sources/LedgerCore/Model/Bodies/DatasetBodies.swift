/// `dataset.cataloged`: an owner lists a data resource with its sharing class and level.
public struct DatasetCatalogedBody: EventBodyCoding {
    static let type = EventType.datasetCataloged
    /// The dataset id.
    public let dataset: String
    /// Title.
    public let title: String
    /// Sharing class.
    public let sharing: SharingClass
    /// Security level.
    public let level: SecurityLevel
    /// The dataset's field names (sorted, unique, non-empty).
    public let fields: [String]

    /// Creates the body.
    public init(dataset: String, title: String, sharing: SharingClass, level: SecurityLevel, fields: [String]) {
        self.dataset = dataset
        self.title = title
        self.sharing = sharing
        self.level = level
        self.fields = fields
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        dataset = try reader.objectID("dataset")
        title = try reader.text("title")
        sharing = try reader.enumeration("sharing", SharingClass.self)
        level = try reader.enumeration("level", SecurityLevel.self)
        fields = try reader.fieldList("fields")
    }

    var members: [String: JSONValue] {
        ["dataset": .string(dataset), "title": .string(title), "sharing": .string(sharing.rawValue),
         "level": .string(level.rawValue), "fields": fields.json]
    }
}

/// `dataset.reclassified`: the owner changes the sharing class or level.
public struct DatasetReclassifiedBody: EventBodyCoding {
    static let type = EventType.datasetReclassified
    /// The dataset id.
    public let dataset: String
    /// New sharing class.
    public let sharing: SharingClass
    /// New security level.
    public let level: SecurityLevel
    /// Why.
    public let reason: String

    /// Creates the body.
    public init(dataset: String, sharing: SharingClass, level: SecurityLevel, reason: String) {
        self.dataset = dataset
        self.sharing = sharing
        self.level = level
        self.reason = reason
    }

    init(reading reader: inout ObjectReader) throws(FormatError) {
        dataset = try reader.objectID("dataset")
        sharing = try reader.enumeration("sharing", SharingClass.self)
        level = try reader.enumeration("level", SecurityLevel.self)
        reason = try reader.text("reason")
    }

    var members: [String: JSONValue] {
        ["dataset": .string(dataset), "sharing": .string(sharing.rawValue), "level": .string(level.rawValue), "reason": .string(reason)]
    }
}
