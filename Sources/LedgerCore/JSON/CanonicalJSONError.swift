/// A byte string that is not exactly the canonical JSON encoding of its own value (DESIGN §4), or,
/// from ``InputJSON``, not JSON that FlowLedger reads as input.
///
/// Carries the zero-based byte offset of the first problem and the path of the field it is in, so
/// a report can say "line 7, body.note, byte 112: duplicate key \"note\"".
package struct CanonicalJSONError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What rule the bytes break, for callers and tests that branch on it.
    package enum Reason: String, Sendable, Equatable {
        /// Input ended inside a value.
        case unexpectedEnd
        /// A byte that cannot start or continue a value here.
        case unexpectedByte
        /// Space, tab, CR or LF between tokens.
        case whitespace
        /// A fraction or exponent: FlowLedger JSON has integers only.
        case floatingPoint
        /// A leading zero, `-0` or a `+` sign.
        case nonCanonicalNumber
        /// An integer outside ±(2^53-1).
        case integerOutOfRange
        /// An escape that canonical JSON does not use (`\/`, `\u0041`, uppercase hex…).
        case nonCanonicalEscape
        /// A raw control character inside a string.
        case unescapedControl
        /// Bytes that are not well-formed UTF-8.
        case invalidUTF8
        /// The same key twice in one object; or, from ``CanonicalJSONParser/parse(_:maxBytes:)``,
        /// two keys a `[String: JSONValue]` cannot hold apart (Unicode canonical equivalents).
        case duplicateKey
        /// Keys not in UTF-16 code-unit order.
        case unsortedKeys
        /// Bytes after the end of the value.
        case trailingBytes
        /// Longer than the size limit.
        case tooLarge
        /// Nested deeper than the parser allows.
        case tooDeep
        /// A backslash escape that JSON does not have (`\x`, `\u12`), from ``InputJSON``.
        case invalidEscape
        /// A `\u` escape of one half of a UTF-16 surrogate pair without the other half: not a
        /// character, and not representable in UTF-8. From ``InputJSON``.
        case loneSurrogate
    }

    /// Which rule was broken.
    package let reason: Reason
    /// Zero-based offset of the offending byte in the input.
    package let offset: Int
    /// A sentence saying what was found and what canonical JSON expects there.
    package let detail: String
    /// Where in the document the problem is: the dotted path of the member being read, as in
    /// ``FormatError/field`` (`body.note`, `body.fields[2]`); empty at the top level.
    package let path: String

    /// Creates an error at `offset`, in the member at `path`.
    package init(_ reason: Reason, at offset: Int, path: String = "", _ detail: String) {
        self.reason = reason
        self.offset = offset
        self.path = path
        self.detail = detail
    }

    /// The same error, located in the member at `path`.
    func located(at path: String) -> CanonicalJSONError {
        CanonicalJSONError(reason, at: offset, path: path, detail)
    }

    /// "byte N: detail" (1-based byte for people). Without ``path``: callers put it where their
    /// messages name fields (``FormatError/field``), and the verifier's reports print this text.
    package var description: String { "byte \(offset + 1): \(detail)" }
}
