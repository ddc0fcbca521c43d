import LedgerCrypto

/// One line of unsigned event input, `{"type":…,"body":{…}[,"id":…][,"at":…]}`, as people and
/// scripts write it for `flowledger append --key` and `flowledger sign`: the one place such a line
/// becomes an ``Event``, for the command line and any other front end alike.
///
/// The line is read by ``InputJSON``: any spacing and key order, but a repeated key, bytes that
/// are not UTF-8, a lone surrogate, a fraction, nesting deeper than
/// ``CanonicalJSONParser/maxDepth`` or a line over ``CanonicalJSON/maxLineBytes`` is refused with
/// the byte and the field (`body.note: byte 57: duplicate key "note": …`). The event is then
/// checked as a reader of the log would check it (DESIGN §6) and written canonically when signed.
///
/// Without `id` a random one (`e-` and 16 hex digits) is chosen, so give an `id` to make a re-run
/// idempotent (DESIGN §7 rule 3); without `at` the time of reading is used.
///
/// ```swift
/// let line = #"{"type":"grant.revoked","id":"r-1","body":{"grant":"g-1","reason":"ended"}}"#
/// let event = try EventInput.event(line: Array(line.utf8), author: "tax.sh", keyID: key.publicKey.keyID)
/// let signed = try SignedEvent(event: event, origin: "exchange.sh.gov.example/2026", signer: key)
/// ```
package enum EventInput {
    /// The members an input line may have; `type` and `body` are required.
    package static let fields = ["type", "body", "id", "at"]

    /// Reads one input line (without its newline) as an event by `author`, signed with `keyID`.
    /// - Parameter now: the `at` of a line without one (by default the current time).
    /// - Throws: ``FormatError`` naming the field and, for JSON that cannot be read, the byte:
    ///   code ``FormatError/Code/invalidJSON`` for the JSON itself, the codes of ``Event/init(json:)``
    ///   for the event's fields.
    package static func event(line: some Collection<UInt8>, author: String, keyID: String, now: @autoclosure () -> Timestamp = .now()) throws(FormatError) -> Event {
        let value: JSONValue
        do {
            value = try InputJSON.parse(line)
        } catch {
            throw FormatError(inputJSON: error)
        }
        guard case .object(var members) = value else {
            throw FormatError(.wrongType, field: "", "each line must be a JSON object {\"type\":…,\"body\":{…}[,\"id\":…][,\"at\":…]}, found \(value.kindDescription)")
        }
        if let unknown = members.keys.filter({ !fields.contains($0) }).sorted().first {
            throw FormatError(.unexpectedField, field: JSONFieldPath.appending(key: unknown, to: ""), "is not an input field; a line has type and body, and optionally id and at (author and key come from the signer)")
        }
        if members["id"] == nil { members["id"] = .string("e-" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) })) }
        if members["at"] == nil { members["at"] = .string(now().text) }
        members["author"] = .string(author)
        members["key"] = .string(keyID)
        return try Event(json: .object(members))
    }
}
