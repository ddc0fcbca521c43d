/// An event, entry or body that breaks the formats of DESIGN §4–§6.
///
/// Carries the path of the offending field (`body.fields[2]`, `event.at`) and a sentence that says
/// what was found and what is expected, so a report can be acted on without reading the source.
public struct FormatError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of problem, for callers and tests that branch on it.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        /// The bytes are not canonical JSON (DESIGN §4).
        public static let notCanonical = Code("notCanonical")
        /// Input bytes are not JSON that FlowLedger reads (``InputJSON``): bad syntax or UTF-8, a
        /// repeated key, a lone surrogate, a fraction, too deep or too large.
        public static let invalidJSON = Code("invalidJSON")
        /// A required field is absent.
        public static let missingField = Code("missingField")
        /// A field that the type does not define is present.
        public static let unexpectedField = Code("unexpectedField")
        /// A field holds the wrong JSON kind (a number where a string belongs…).
        public static let wrongType = Code("wrongType")
        /// A field's value breaks its rule (id syntax, enum, range, sorting, time format…).
        public static let invalidValue = Code("invalidValue")
        /// The event type is not in the catalogue of DESIGN §6.
        public static let unknownEventType = Code("unknownEventType")
        /// A textual description of the code.
        public var description: String { name }
    }

    /// What kind of problem this is.
    public let code: Code
    /// The dotted path of the field (empty for the whole value).
    public let field: String
    /// What was wrong and what is expected.
    public let message: String

    /// Creates an error for `field`.
    package init(_ code: Code, field: String, _ message: String) {
        self.code = code
        self.field = field
        self.message = message
    }

    /// "field: message", or the message alone for the whole value.
    public var description: String { field.isEmpty ? message : "\(field): \(message)" }

    /// The same error, with its field path placed under `parent` (`at` → `event.at`).
    package func nested(under parent: String) -> FormatError {
        FormatError(code, field: field.isEmpty ? parent : "\(parent).\(field)", message)
    }
}
