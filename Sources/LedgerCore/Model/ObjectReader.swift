import LedgerCrypto

/// Reads the members of one JSON object field by field, checking each kind and rule, and at the
/// end that no member was left unread — the "exactly the fields of §6" rule.
struct ObjectReader {
    private let tape: JSONTape
    /// The object's node in `tape`.
    private let node: Int
    private let path: String
    /// Which members (by position, up to 64) have been read: objects of §6 have a handful.
    private var readMembers: UInt64 = 0
    /// Keys asked for that are not members (optional fields left out), for error messages; empty,
    /// so never allocated, for most objects.
    private var absentAsked: [StaticString] = []

    /// Starts reading the node at `node` of `tape`, which must be an object; `path` prefixes
    /// field names in errors.
    init(_ tape: JSONTape, node: Int = 0, path: String) throws(FormatError) {
        guard tape[node].kind == .object else {
            throw FormatError(.wrongType, field: path, "must be an object, found \(tape.kindDescription(node))")
        }
        self.tape = tape
        self.node = node
        self.path = path
    }

    /// Starts reading `value`, which must be an object. The value is laid out as a tape first
    /// (its canonical bytes, parsed), so values built in memory are read by the same code as lines.
    init(_ value: JSONValue, path: String) throws(FormatError) {
        // The encoder traps on an integer it cannot write; a value built in memory may hold one.
        if let field = Self.unencodableInteger(in: value, at: path) {
            throw FormatError(.invalidValue, field: field, "is outside ±(2^53-1); FlowLedger integers must be exact in every JSON reader")
        }
        let tape: JSONTape
        do {
            tape = try CanonicalJSONParser.tape(CanonicalJSON.encode(value), maxBytes: .max)
        } catch {
            throw FormatError(.invalidValue, field: path, "cannot be read: \(error.detail)")
        }
        try self.init(tape, path: path)
    }

    /// The path of the first integer outside ±(2^53-1) in `value`, or nil.
    private static func unencodableInteger(in value: JSONValue, at path: String) -> String? {
        switch value {
        case .integer(let number): return number > JSONValue.maxSafeInteger || number < -JSONValue.maxSafeInteger ? path : nil
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                if let found = unencodableInteger(in: element, at: "\(path)[\(index)]") { return found }
            }
            return nil
        case .object(let members):
            for key in members.keys.sorted() {
                if let found = unencodableInteger(in: members[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
            return nil
        case .null, .bool, .string: return nil
        }
    }

    private func name(_ key: StaticString) -> String { path.isEmpty ? "\(key)" : "\(path).\(key)" }

    /// The node of member `key`, or nil when absent.
    mutating func optionalValue(_ key: StaticString) -> Int? {
        var candidate = node + 1
        for position in 0..<Int(tape[node].count) {
            if tape.stringEquals(candidate, key) {
                if position < 64 { readMembers |= 1 << UInt64(position) }
                return candidate + 1
            }
            candidate = Int(tape[candidate + 1].next)
        }
        if !absentAsked.contains(where: { Self.same($0, key) }) { absentAsked.append(key) }
        return nil
    }

    /// True when two key literals are the same text.
    private static func same(_ a: StaticString, _ b: StaticString) -> Bool {
        let count = a.utf8CodeUnitCount
        guard count == b.utf8CodeUnitCount else { return false }
        if a.utf8Start == b.utf8Start { return true }
        for offset in 0..<count where a.utf8Start[offset] != b.utf8Start[offset] { return false }
        return true
    }

    /// The node of member `key`; absent is an error.
    mutating func value(_ key: StaticString) throws(FormatError) -> Int {
        guard let value = optionalValue(key) else {
            throw FormatError(.missingField, field: name(key), "is required")
        }
        return value
    }

    /// An integer member (any sign).
    mutating func integer(_ key: StaticString) throws(FormatError) -> Int64 {
        let value = try value(key)
        guard tape[value].kind == .integer else {
            throw FormatError(.wrongType, field: name(key), "must be an integer, found \(tape.kindDescription(value))")
        }
        return tape[value].integer
    }

    /// A digest member (64 lowercase hex digits) decoded in place, without a String.
    mutating func hash32(_ key: StaticString) throws(FormatError) -> Hash32 {
        let value = try value(key)
        if tape[value].kind == .string, !tape[value].escaped,
           let hash = try? tape.withLiteral(value, { utf8 throws(FormatError) in try? Hash32(hexUTF8: utf8) }) {
            return hash
        }
        let text = try digest(key)  // throws, naming the problem
        guard let hash = try? Hash32(hex: text) else {
            throw FormatError(.invalidValue, field: name(key), "is not valid: must be 64 lowercase hex digits (a 32-byte hash)")
        }
        return hash
    }

    /// The node of string member `key`, to be read later (see ``base64(node:key:maxCharacters:what:)``).
    mutating func stringNode(_ key: StaticString) throws(FormatError) -> Int {
        let value = try value(key)
        guard tape[value].kind == .string else {
            throw FormatError(.wrongType, field: name(key), "must be a string, found \(tape.kindDescription(value))")
        }
        return value
    }

    /// The base64 string at `node` (member `key`) decoded in place, strictly (as
    /// ``Base64/decode(_:field:)``), at most `maxCharacters` long.
    func base64(node: Int, key: StaticString, maxCharacters: Int, what: String) throws(FormatError) -> [UInt8] {
        let length = Int(tape[node].end - tape[node].start)
        guard length <= maxCharacters else {
            throw FormatError(.invalidValue, field: name(key), "\(what) is too long (\(length) characters of base64)")
        }
        let decoded = try tape.withLiteral(node) { utf8 throws(FormatError) -> [UInt8]? in try? Base64.decode(utf8: utf8, field: "") }
        if let decoded { return decoded }
        let field = name(key)  // the message is built only for a bad signature
        return try tape.withLiteral(node) { utf8 throws(FormatError) in
            do throws(CryptoError) {
                return try Base64.decode(utf8: utf8, field: field)
            } catch {
                throw FormatError(.invalidValue, field: field, error.message.dropPrefix(field + ": "))
            }
        }
    }

    /// Which of `cases` the string member `key` names, compared in place; nil when none.
    mutating func oneOf<E: RawRepresentable & CaseIterable>(_ key: StaticString, _ type: E.Type) throws(FormatError) -> (E?, node: Int) where E.RawValue == String {
        let value = try value(key)
        guard tape[value].kind == .string else {
            throw FormatError(.wrongType, field: name(key), "must be a string, found \(tape.kindDescription(value))")
        }
        return (E.allCases.first { tape.stringEquals(value, $0.rawValue) }, value)  // a handful of cases
    }

    /// The text of the string node `node` of this object's tape.
    func text(of node: Int) -> String { tape.string(at: node) }

    /// The canonical bytes of member `key` (a whole object or array literal).
    mutating func literal(_ key: StaticString) throws(FormatError) -> ArraySlice<UInt8> {
        tape.slice(of: try value(key))
    }

    /// A string member.
    mutating func string(_ key: StaticString) throws(FormatError) -> String {
        let value = try value(key)
        guard tape[value].kind == .string else {
            throw FormatError(.wrongType, field: name(key), "must be a string, found \(tape.kindDescription(value))")
        }
        return tape.string(at: value)
    }

    /// An optional string member (absent is nil; null is not accepted — omit the field instead).
    mutating func optionalString(_ key: StaticString) throws(FormatError) -> String? {
        guard optionalValue(key) != nil else { return nil }
        return try string(key)
    }

    /// A string member that must satisfy `rule`; `expectation` completes "must be …".
    mutating func string(_ key: StaticString, _ rule: (String) -> Bool, _ expectation: String) throws(FormatError) -> String {
        let text = try string(key)
        guard rule(text) else {
            throw FormatError(.invalidValue, field: name(key), "\"\(quotedForMessage(text))\" is not valid: must be \(expectation)")
        }
        return text
    }

    /// A party id member.
    mutating func partyID(_ key: StaticString) throws(FormatError) -> String {
        try string(key, FieldRules.isPartyID, "a party id (lowercase letters, digits, '.' and '-', starting with a letter or digit, at most 63 characters)")
    }

    /// An object id member (event, dataset, grant, exchange).
    mutating func objectID(_ key: StaticString) throws(FormatError) -> String {
        try string(key, FieldRules.isObjectID, "an id of 1–128 characters from A–Z a–z 0–9 . _ : -")
    }

    /// A digest member (64 lowercase hex digits).
    mutating func digest(_ key: StaticString) throws(FormatError) -> String {
        try string(key, FieldRules.isDigest, "64 lowercase hex digits (a 32-byte hash)")
    }

    /// A free-text member.
    mutating func text(_ key: StaticString) throws(FormatError) -> String {
        let text = try string(key)
        if let problem = FieldRules.textProblem(text) {
            throw FormatError(.invalidValue, field: name(key), problem)
        }
        return text
    }

    /// An RFC 3339 UTC time member.
    mutating func timestamp(_ key: StaticString) throws(FormatError) -> Timestamp {
        try Timestamp(parsing: try string(key), field: name(key))
    }

    /// A public key string member (`ed25519:…` or `sm2:…`), checked by OpenSSL.
    mutating func publicKey(_ key: StaticString) throws(FormatError) -> PublicKey {
        let text = try string(key)
        do {
            return try PublicKey(string: text, field: name(key))
        } catch {
            throw FormatError(.invalidValue, field: name(key), "\(error.message.dropPrefix(name(key) + ": "))")
        }
    }

    /// A member from a closed set of values.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: StaticString, _ type: E.Type) throws(FormatError) -> E where E.RawValue == String {
        let text = try string(key)
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw FormatError(.invalidValue, field: name(key), "\"\(quotedForMessage(text))\" is not one of \(allowed)")
        }
        return value
    }

    /// A non-negative integer member.
    mutating func count(_ key: StaticString) throws(FormatError) -> Int64 {
        let number = try integer(key)
        guard number >= 0 else {
            throw FormatError(.invalidValue, field: name(key), "must not be negative, found \(number)")
        }
        return number
    }

    /// An array of strings member.
    mutating func stringList(_ key: StaticString) throws(FormatError) -> [String] {
        let value = try value(key)
        guard tape[value].kind == .array else {
            throw FormatError(.wrongType, field: name(key), "must be an array of strings, found \(tape.kindDescription(value))")
        }
        var out: [String] = []
        out.reserveCapacity(Int(tape[value].count))
        for (index, element) in tape.elements(of: value).enumerated() {
            guard tape[element].kind == .string else {
                throw FormatError(.wrongType, field: "\(name(key))[\(index)]", "must be a string, found \(tape.kindDescription(element))")
            }
            out.append(tape.string(at: element))
        }
        return out
    }

    /// A field-name list member (sorted, unique, non-empty).
    mutating func fieldList(_ key: StaticString) throws(FormatError) -> [String] {
        let names = try stringList(key)
        if let problem = FieldRules.fieldListProblem(names) {
            throw FormatError(.invalidValue, field: name(key), problem)
        }
        return names
    }

    /// A nested object member.
    mutating func object(_ key: StaticString) throws(FormatError) -> ObjectReader {
        try ObjectReader(tape, node: try value(key), path: name(key))
    }

    /// A nested object member, for a reader of another type: its tape and node.
    mutating func nested(_ key: StaticString) throws(FormatError) -> (tape: JSONTape, node: Int) {
        (tape, try value(key))
    }

    /// Fails if the object has a member that was never read.
    func finish() throws(FormatError) {
        let count = Int(tape[node].count)
        if count <= 64, readMembers.nonzeroBitCount == count { return }
        let keys = tape.memberKeys(of: node)
        let read = keys.indices.filter { $0 < 64 && readMembers & (1 << UInt64($0)) != 0 }.map { tape.string(at: keys[$0]) }
        let allowed = (read + absentAsked.map { "\($0)" }).sorted()
        let extra = keys.indices.filter { $0 >= 64 || readMembers & (1 << UInt64($0)) == 0 }.map { tape.string(at: keys[$0]) }.sorted()
        if let first = extra.first {
            let field = path.isEmpty ? first : "\(path).\(first)"
            throw FormatError(.unexpectedField, field: field, "is not a field of this object; remove it (allowed: \(allowed.joined(separator: ", ")))")
        }
    }
}

extension String {
    /// The string without `prefix` if it starts with it.
    func dropPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
