/// JSON as people and scripts write it, read as strictly as the log is in everything but layout:
/// the one reader of FlowLedger's *input* (the lines of `flowledger append --key` and
/// `flowledger sign`, and whatever else hands the library JSON that is not yet canonical).
///
/// Accepted, unlike canonical JSON (DESIGN §4): space, tab, CR and LF between tokens; object keys
/// in any order; every escape of RFC 8259 §7 (`\/`, `\u00e9`, `\u00E9`, a surrogate pair
/// `\ud83d\ude00`); `-0` as the integer 0.
///
/// Refused, with the byte offset and the path of the member (``CanonicalJSONError/path``):
/// a key twice in one object (RFC 8259 leaves that to the reader; taking one value would sign
/// something the author did not see), or two keys equal only under Unicode equivalence; a
/// fraction, an exponent or an integer outside ±(2^53-1); bytes that are not UTF-8; a `\u`
/// escape of a lone surrogate; an unknown escape; a raw control character in a string; nesting
/// deeper than ``CanonicalJSONParser/maxDepth``; more than `maxBytes` bytes; anything after the
/// value but whitespace. It never traps on hostile input.
///
/// It is the canonical parser's own scanner in its input grammar, so strings, UTF-8 and numbers
/// are checked by the same code, with the same errors, as every line of the log.
///
/// ```swift
/// let value = try InputJSON.parse(Array(#"{ "b": 1, "a": "\u00e9" }"#.utf8))
/// CanonicalJSON.encode(value)   // {"a":"é","b":1}
/// try InputJSON.parse(Array(#"{"a":1,"a":2}"#.utf8))
/// // throws: duplicateKey at byte offset 7, path "a"
/// ```
package enum InputJSON {
    /// Parses `input`, which must be one JSON value (whitespace around it allowed) and nothing else.
    /// - Parameter maxBytes: inputs longer than this are refused before parsing; by default the
    ///   limit of an entry line, which any input that becomes an entry fits in.
    package static func parse(_ input: some Collection<UInt8>, maxBytes: Int = CanonicalJSON.maxLineBytes) throws(CanonicalJSONError) -> JSONValue {
        guard input.count <= maxBytes else {  // before copying it
            throw CanonicalJSONError(.tooLarge, at: maxBytes, "\(input.count) bytes is larger than the \(maxBytes)-byte limit")
        }
        return try CanonicalJSONParser.tape(Array(input), maxBytes: maxBytes, grammar: .input).value(at: 0)
    }
}
