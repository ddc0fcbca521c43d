import FlowLedger
import Foundation

/// The input lines of `append --key` and `sign`: `{"type":…,"body":{…}[,"id":…][,"at":…]}`.
///
/// Written by people and scripts, so any valid JSON is accepted (spacing, key order); the event
/// is then written canonically. Integers only: a number with a fraction or exponent is refused.
/// Without `id` a random one (`e-` and 16 hex digits) is chosen, so give an `id` to make a re-run
/// idempotent; without `at` the current time is used.
enum EventInput {
    /// Parses one input line into an event by `author` with `keyID`.
    static func event(from bytes: ArraySlice<UInt8>, author: String, keyID: String) throws(FormatError) -> Event {
        let value: JSONValue
        do {
            value = try JSONDecoder().decode(LenientJSON.self, from: Data(bytes)).value
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.notCanonical, field: "", "not valid JSON (\(describe(error)))")
        }
        guard case .object(var members) = value else {
            throw FormatError(.wrongType, field: "", "each line must be a JSON object {\"type\":…,\"body\":{…}[,\"id\":…][,\"at\":…]}")
        }
        let id = members.removeValue(forKey: "id") ?? .string("e-" + Hex.encode((0..<8).map { _ in UInt8.random(in: 0...255) }))
        let at = members.removeValue(forKey: "at") ?? .string(Timestamp.now().text)
        for key in members.keys where key != "type" && key != "body" {
            throw FormatError(.unexpectedField, field: key, "is not an input field; a line has type, body and optionally id and at")
        }
        members["id"] = id
        members["at"] = at
        members["author"] = .string(author)
        members["key"] = .string(keyID)
        return try Event(json: .object(members))
    }

    private static func describe(_ error: Error) -> String {
        if case DecodingError.dataCorrupted(let context) = error {
            return context.underlyingError.map { "\($0)" } ?? context.debugDescription
        }
        return "\(error)"
    }
}

/// Any JSON value without floats, decoded with Foundation (input convenience, not a hot path).
private struct LenientJSON: Decodable {
    let value: JSONValue

    init(from decoder: Decoder) throws {
        if var array = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            while !array.isAtEnd { elements.append(try array.decode(LenientJSON.self).value) }
            value = .array(elements)
            return
        }
        if let object = try? decoder.container(keyedBy: AnyKey.self) {
            var members: [String: JSONValue] = [:]
            for key in object.allKeys { members[key.stringValue] = try object.decode(LenientJSON.self, forKey: key).value }
            value = .object(members)
            return
        }
        let single = try decoder.singleValueContainer()
        if single.decodeNil() {
            value = .null
        } else if let bool = try? single.decode(Bool.self) {
            value = .bool(bool)
        } else if let integer = try? single.decode(Int64.self) {
            guard abs(integer) <= JSONValue.maxSafeInteger else {
                throw FormatError(.invalidValue, field: decoder.codingPath.map(\.stringValue).joined(separator: "."), "\(integer) is outside ±(2^53-1)")
            }
            value = .integer(integer)
        } else if let string = try? single.decode(String.self) {
            value = .string(string)
        } else {
            throw FormatError(.wrongType, field: decoder.codingPath.map(\.stringValue).joined(separator: "."), "numbers must be integers; FlowLedger JSON has no fractions or exponents")
        }
    }

    private struct AnyKey: CodingKey {
        let stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
