import LedgerCore
import LedgerCrypto

/// The first place where a ledger stops being intact: where it is (file, line, seq, event),
/// which rule it breaks, what was expected and what was found, and what that means.
///
/// "Invalid" is a result, not an exception: the verifier returns this inside a
/// ``VerificationReport`` and throws only when it cannot run at all.
public struct IntegrityBreak: Hashable, Sendable {
    /// What kind of break it is. A struct over names, so kinds can be added without breaking
    /// callers; entry breaks use the ``RuleViolation/Code`` names of the integrity rules.
    public struct Kind: Hashable, Sendable, CustomStringConvertible {
        /// The name, e.g. `brokenChain`, `checkpointMismatch`.
        public let name: String
        /// The DESIGN §7 integrity rule number, or nil for breaks of checkpoints and files.
        public let rule: Int?

        /// A kind named `name` under integrity rule `rule`.
        package init(_ name: String, rule: Int?) {
            self.name = name
            self.rule = rule
        }

        /// The kind of an entry that breaks integrity rule `code`.
        package init(_ code: RuleViolation.Code) { self.init(code.description, rule: code.rule) }

        /// A published checkpoint's root differs from the root recomputed from the log.
        public static let checkpointMismatch = Kind("checkpointMismatch", rule: nil)
        /// A checkpoint file is not validly signed by the operator, or does not parse.
        public static let checkpointSignature = Kind("checkpointSignature", rule: nil)
        /// A checkpoint covers more entries than the log has.
        public static let truncatedBelowCheckpoint = Kind("truncatedBelowCheckpoint", rule: nil)
        /// A witness key the regulator requires has not cosigned the latest checkpoint.
        public static let missingCosignature = Kind("missingCosignature", rule: nil)
        /// `ledger.json` or the genesis entry disagrees with the operator key trusted.
        public static let operatorKeyMismatch = Kind("operatorKeyMismatch", rule: nil)
        /// A segment is missing, misnamed, or a file in `log/` is not a segment.
        public static let segmentLayout = Kind("segmentLayout", rule: 1)

        /// "rule 2 (badSignature)" or "checkpointMismatch".
        public var description: String { rule.map { "rule \($0) (\(name))" } ?? name }
    }

    /// What is broken.
    public let kind: Kind
    /// The file, relative to the ledger directory (`log/00000000000000000000.jsonl`,
    /// `checkpoints/40.checkpoint`, `ledger.json`).
    public let file: String
    /// The 1-based line in `file`, when the break is an entry.
    public let line: Int?
    /// The entry's seq (its position in the log).
    public let seq: Int64?
    /// The entry's event id, when it could be read.
    public let eventID: String?
    /// The entry's author, when it could be read.
    public let author: String?
    /// The field involved (`event.body.records`, `prev`, `sig`), empty when it is the whole entry.
    public let field: String
    /// What should have been there (a hash, a seq, a key id), when there is one value to show.
    public let expected: String?
    /// What was found instead.
    public let found: String?
    /// What it means, in one or two sentences a regulator can act on.
    public let meaning: String
    /// The rule's own detailed message.
    public let detail: String

    /// Creates a break.
    package init(kind: Kind, file: String, line: Int? = nil, seq: Int64? = nil, eventID: String? = nil, author: String? = nil,
                field: String = "", expected: String? = nil, found: String? = nil, meaning: String, detail: String) {
        self.kind = kind
        self.file = file
        self.line = line
        self.seq = seq
        self.eventID = eventID
        self.author = author
        self.field = field
        self.expected = expected
        self.found = found
        self.meaning = meaning
        self.detail = detail
    }

    /// "log/00000000000000000000.jsonl line 18 (seq 17, event "x-3" by ride.example)".
    public var location: String {
        var text = file
        if let line { text += " line \(line)" }
        var inner: [String] = []
        if let seq { inner.append("seq \(seq)") }
        if let eventID {
            inner.append("event \"\(quotedForMessage(eventID))\"" + (author.map { " by \(quotedForMessage($0))" } ?? ""))
        }
        return inner.isEmpty ? text : text + " (" + inner.joined(separator: ", ") + ")"
    }

    /// The break as a JSON object; absent values are null so the shape is stable.
    public var json: JSONValue {
        func optional(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }
        return .object([
            "kind": .string(kind.name), "rule": kind.rule.map { .integer(Int64($0)) } ?? .null,
            "file": .string(file), "line": line.map { .integer(Int64($0)) } ?? .null, "seq": seq.map { .integer($0) } ?? .null,
            "eventID": optional(eventID), "author": optional(author), "field": .string(field),
            "expected": optional(expected), "found": optional(found), "meaning": .string(meaning), "detail": .string(detail),
        ])
    }
}
