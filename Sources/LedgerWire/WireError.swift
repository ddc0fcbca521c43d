import LedgerCore
import LedgerCrypto

/// The body of every error answer of `flowledger serve` (DESIGN §11):
/// `{"error":{"code","message"[,"line","seq","rule","field"]}}`, with the same words the CLI
/// prints, and the HTTP status it came with. The client decodes it back, so a participant sees
/// the server's own explanation.
public struct WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The HTTP status (400, 401, 403, 404, 409, 413, 415, 422, 429, 503…).
    public let status: Int
    /// A stable machine-readable code: `malformed`, `notCanonical`, `lineTooLong`, `tooManyLines`,
    /// `bodyTooLarge`, `unsupportedMediaType`, `unauthenticated`, `forbidden`, `rateLimited`,
    /// `unavailable`, `notFound`, or a rule code of DESIGN §7 (`idConflict`, `badSignature`, …).
    public let code: String
    /// What was wrong, where, and what to do.
    public let message: String
    /// The 1-based line of the request body involved.
    public let line: Int?
    /// The seq the event was to get (or has).
    public let seq: Int64?
    /// The DESIGN §7 rule broken.
    public let rule: Int?
    /// The dotted path of the field involved.
    public let field: String?

    /// An error answer.
    public init(status: Int, code: String, message: String, line: Int? = nil, seq: Int64? = nil, rule: Int? = nil, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.line = line
        self.seq = seq
        self.rule = rule
        self.field = field
    }

    /// The JSON body, canonical.
    public var body: [UInt8] {
        var error: [String: JSONValue] = ["code": .string(code), "message": .string(message)]
        if let line { error["line"] = .integer(Int64(line)) }
        if let seq { error["seq"] = .integer(seq) }
        if let rule { error["rule"] = .integer(Int64(rule)) }
        if let field, !field.isEmpty { error["field"] = .string(field) }
        return CanonicalJSON.encode(.object(["error": .object(error)])) + [0x0a]
    }

    /// Decodes an error answer of status `status`; a body that is not one (a proxy's HTML page,
    /// say) becomes a `unexpectedAnswer` error quoting its start.
    ///
    /// The server's words are the server's: its texts are cut short and their control and
    /// format characters escaped (``TerminalText``), so a hostile server cannot erase or forge a
    /// line on the terminal or in the log of whoever prints the error.
    public init(status: Int, body: [UInt8]) {
        if let value = try? InputJSON.parse(body.last == 0x0a ? Array(body.dropLast()) : body),
           case .object(let outer) = value, case .object(let error)? = outer["error"],
           case .string(let code)? = error["code"], case .string(let message)? = error["message"] {
            func integer(_ name: String) -> Int64? { if case .integer(let n)? = error[name] { return n }; return nil }
            var field: String?
            if case .string(let f)? = error["field"] { field = Self.shown(f, limit: 200) }
            self.init(status: status, code: Self.shown(code, limit: 64), message: Self.shown(message, limit: 2000), line: integer("line").map { Int($0) },
                      seq: integer("seq"), rule: integer("rule").map { Int($0) }, field: field)
        } else {
            let text = String(decoding: body.prefix(200), as: UTF8.self)
            self.init(status: status, code: "unexpectedAnswer",
                      message: "the server answered HTTP \(status) without a FlowLedger error body: \(Self.shown(text, limit: 120))")
        }
    }

    /// A text the server sent, safe to print: at most `limit` Unicode scalars (a character may
    /// carry any number of combining marks), unsafe ones escaped.
    private static func shown(_ text: String, limit: Int) -> String {
        let scalars = text.unicodeScalars
        let cut = scalars.count <= limit ? text : String(String.UnicodeScalarView(scalars.prefix(limit))) + "…"
        return TerminalText.escaped(cut)
    }

    /// "HTTP 422 badSignature (rule 2) at line 3, seq 41, field sig: …".
    public var description: String {
        var place: [String] = []
        if let rule { place.append("rule \(rule)") }
        if let line { place.append("line \(line)") }
        if let seq { place.append("seq \(seq)") }
        if let field, !field.isEmpty { place.append("field \(field)") }
        return "HTTP \(status) \(code)\(place.isEmpty ? "" : " (" + place.joined(separator: ", ") + ")"): \(message)"
    }
}
