/// A JSON value inside FlowLedger's canonical subset (DESIGN §4): objects, arrays, strings,
/// booleans, null and integers in [-(2^53-1), 2^53-1]. There is no floating-point case, so a
/// value that cannot be written canonically cannot be built.
public enum JSONValue: Hashable, Sendable {
    /// `null`.
    case null
    /// `true` or `false`.
    case bool(Bool)
    /// An integer within ±(2^53-1) (checked by the parser and by ``CanonicalJSON/encode(_:)``).
    case integer(Int64)
    /// A string of Unicode scalars.
    case string(String)
    /// An ordered array.
    case array([JSONValue])
    /// An object; keys are written sorted by UTF-16 code units, so their order here is irrelevant.
    case object([String: JSONValue])

    /// The largest magnitude of an integer: 2^53-1, the range every JSON reader holds exactly.
    public static let maxSafeInteger: Int64 = 9_007_199_254_740_991

    /// The member `key` of an object, or nil.
    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    /// The string value, or nil.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The integer value, or nil.
    public var integerValue: Int64? {
        if case .integer(let value) = self { return value }
        return nil
    }

    /// The object members, or nil.
    public var objectValue: [String: JSONValue]? {
        if case .object(let members) = self { return members }
        return nil
    }

    /// The array elements, or nil.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
        return nil
    }

    /// A short name of the value's kind, for error messages ("a string", "an object").
    public var kindDescription: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .integer: return "an integer"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }
}
