/// What every typed event body does: read itself strictly from JSON and write itself back.
protocol EventBodyCoding: Hashable, Sendable {
    /// The event type whose body this is.
    static var type: EventType { get }
    /// Reads and validates the body's members; unread members are rejected by the caller.
    init(reading reader: inout ObjectReader) throws(FormatError)
    /// The body's members, for canonical encoding.
    var members: [String: JSONValue] { get }
}

extension Array where Element == String {
    /// The list as a JSON array of strings.
    var json: JSONValue { .array(map(JSONValue.string)) }
}
