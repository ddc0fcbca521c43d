import LedgerCrypto

/// An entry or event that breaks an integrity rule of DESIGN §7.
///
/// Carries the rule's number, the seq it would have (or has) in the log, the event id, the author,
/// the field involved and a sentence that says what was found, what was expected and what to do.
/// A struct over codes, so new codes can be added without breaking callers; tests match on
/// ``code``.
public struct RuleViolation: Error, CustomStringConvertible, Sendable, Equatable {
    /// What was broken.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        /// The number of the DESIGN §7 integrity rule this code belongs to.
        public let rule: Int
        private init(_ name: String, rule: Int) {
            self.name = name
            self.rule = rule
        }
        /// Rule 1: the line is not canonical JSON, is too long, or breaks the entry format.
        public static let malformedLine = Code("malformedLine", rule: 1)
        /// Rule 1: `seq` is not the previous seq + 1.
        public static let sequenceGap = Code("sequenceGap", rule: 1)
        /// Rule 1: `prev` is not the leaf hash of the previous entry.
        public static let brokenChain = Code("brokenChain", rule: 1)
        /// Rule 1: `time` is before the previous entry's time.
        public static let timeWentBackwards = Code("timeWentBackwards", rule: 1)
        /// Rule 2: the signature does not verify under the key the event names (forged, or made for
        /// another ledger's origin).
        public static let badSignature = Code("badSignature", rule: 2)
        /// Rule 2: the key id names no key of the author.
        public static let unknownKey = Code("unknownKey", rule: 2)
        /// Rule 2: the key belonged to the author but was retired by a key rotation.
        public static let retiredKey = Code("retiredKey", rule: 2)
        /// Rule 2: the author is not a registered party.
        public static let unknownAuthor = Code("unknownAuthor", rule: 2)
        /// Rule 2: the author is suspended.
        public static let suspendedAuthor = Code("suspendedAuthor", rule: 2)
        /// Rule 3: the author already used this event id for a different event.
        public static let idConflict = Code("idConflict", rule: 3)
        /// Rule 4: the type or body breaks DESIGN §6 (including keys of the wrong suite).
        public static let invalidEvent = Code("invalidEvent", rule: 4)
        /// Rule 5: a dataset, grant, exchange or party named does not exist.
        public static let unknownReference = Code("unknownReference", rule: 5)
        /// Rule 5: an id the event creates exists already, or the state it changes is already so.
        public static let alreadyExists = Code("alreadyExists", rule: 5)
        /// Rule 6: the author may not write this type of event (role or ownership).
        public static let notAuthorized = Code("notAuthorized", rule: 6)
        /// Rule 7: the exchange does not cross a boundary to a registered recipient.
        public static let notCrossBoundary = Code("notCrossBoundary", rule: 7)
        /// A textual description of the code.
        public var description: String { name }

        /// Every code, for reading one back by name (a served ledger's error answers carry it).
        package static let all: [Code] = [
            malformedLine, sequenceGap, brokenChain, timeWentBackwards, badSignature, unknownKey, retiredKey,
            unknownAuthor, suspendedAuthor, idConflict, invalidEvent, unknownReference, alreadyExists,
            notAuthorized, notCrossBoundary,
        ]

        /// The code called `name` (its ``description``), or nil.
        package init?(named name: String) {
            guard let code = Self.all.first(where: { $0.name == name }) else { return nil }
            self = code
        }
    }

    /// What was broken.
    public let code: Code
    /// The position in the log: the seq the event was to get at append, or the entry's seq on replay.
    public let seq: Int64
    /// The event id, when the event could be read.
    public let eventID: String?
    /// The event's author, when the event could be read.
    public let author: String?
    /// The dotted path of the field involved (`event.body.dataset`), empty for the whole entry.
    public let field: String
    /// What was found, what was expected, and what to do.
    public let message: String

    /// Creates a violation.
    package init(_ code: Code, seq: Int64, eventID: String?, author: String?, field: String, _ message: String) {
        self.code = code
        self.seq = seq
        self.eventID = eventID
        self.author = author
        self.field = field
        self.message = message
    }

    /// The number of the DESIGN §7 integrity rule.
    public var rule: Int { code.rule }

    /// "rule 5 (unknownReference) at seq 12, event x-1 by ride.example, field event.body.grant: …".
    public var description: String {
        var text = "rule \(rule) (\(code)) at seq \(seq)"
        if let eventID { text += ", event \"\(quotedForMessage(eventID))\"" }
        if let author { text += " by \(quotedForMessage(author))" }
        if !field.isEmpty { text += ", field \(field)" }
        return text + ": " + message
    }
}
