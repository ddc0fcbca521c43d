import LedgerCrypto

/// Reads the members of one JSON object field by field, checking each kind and rule, and at the
/// end that no member was left unread — the "exactly the fields of §6" rule.
struct ObjectReader {
    private let members: [String: JSONValue]
    private let path: String
    /// The keys asked for, each once. An array, not a set: objects have a handful of members, and
    /// hashing every key was a measurable share of parsing an entry.
    private var read: [String] = []
    /// How many of the keys asked for are members: all members were read when it reaches
    /// `members.count`.
    private var presentRead = 0

    /// Starts reading `value`, which must be an object; `path` prefixes field names in errors.
    init(_ value: JSONValue, path: String) throws(FormatError) {
        guard case .object(let members) = value else {
            throw FormatError(.wrongType, field: path, "must be an object, found \(value.kindDescription)")
        }
        self.members = members
        self.path = path
    }

    private func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The raw member, or nil when absent.
    mutating func optionalValue(_ key: String) -> JSONValue? {
        let value = members[key]
        if !read.contains(key) {
            read.append(key)
            if value != nil { presentRead += 1 }
        }
        return value
    }

    /// The raw member; absent is an error.
    mutating func value(_ key: String) throws(FormatError) -> JSONValue {
        guard let value = optionalValue(key) else {
            throw FormatError(.missingField, field: name(key), "is required")
        }
        return value
    }

    /// A string member.
    mutating func string(_ key: String) throws(FormatError) -> String {
        let value = try value(key)
        guard case .string(let text) = value else {
            throw FormatError(.wrongType, field: name(key), "must be a string, found \(value.kindDescription)")
        }
        return text
    }

    /// An optional string member (absent is nil; null is not accepted — omit the field instead).
    mutating func optionalString(_ key: String) throws(FormatError) -> String? {
        guard optionalValue(key) != nil else { return nil }
        return try string(key)
    }

    /// A string member that must satisfy `rule`; `expectation` completes "must be …".
    mutating func string(_ key: String, _ rule: (String) -> Bool, _ expectation: String) throws(FormatError) -> String {
        let text = try string(key)
        guard rule(text) else {
            throw FormatError(.invalidValue, field: name(key), "\"\(quotedForMessage(text))\" is not valid: must be \(expectation)")
        }
        return text
    }

    /// A party id member.
    mutating func partyID(_ key: String) throws(FormatError) -> String {
        try string(key, FieldRules.isPartyID, "a party id (lowercase letters, digits, '.' and '-', starting with a letter or digit, at most 63 characters)")
    }

    /// An object id member (event, dataset, grant, exchange).
    mutating func objectID(_ key: String) throws(FormatError) -> String {
        try string(key, FieldRules.isObjectID, "an id of 1–128 characters from A–Z a–z 0–9 . _ : -")
    }

    /// A digest member (64 lowercase hex digits).
    mutating func digest(_ key: String) throws(FormatError) -> String {
        try string(key, FieldRules.isDigest, "64 lowercase hex digits (a 32-byte hash)")
    }

    /// A free-text member.
    mutating func text(_ key: String) throws(FormatError) -> String {
        let text = try string(key)
        if let problem = FieldRules.textProblem(text) {
            throw FormatError(.invalidValue, field: name(key), problem)
        }
        return text
    }

    /// An RFC 3339 UTC time member.
    mutating func timestamp(_ key: String) throws(FormatError) -> Timestamp {
        try Timestamp(parsing: try string(key), field: name(key))
    }

    /// A public key string member (`ed25519:…` or `sm2:…`), checked by OpenSSL.
    mutating func publicKey(_ key: String) throws(FormatError) -> PublicKey {
        let text = try string(key)
        do {
            return try PublicKey(string: text, field: name(key))
        } catch {
            throw FormatError(.invalidValue, field: name(key), "\(error.message.dropPrefix(name(key) + ": "))")
        }
    }

    /// A member from a closed set of values.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(FormatError) -> E where E.RawValue == String {
        let text = try string(key)
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw FormatError(.invalidValue, field: name(key), "\"\(quotedForMessage(text))\" is not one of \(allowed)")
        }
        return value
    }

    /// A non-negative integer member.
    mutating func count(_ key: String) throws(FormatError) -> Int64 {
        let value = try value(key)
        guard case .integer(let number) = value else {
            throw FormatError(.wrongType, field: name(key), "must be an integer, found \(value.kindDescription)")
        }
        guard number >= 0 else {
            throw FormatError(.invalidValue, field: name(key), "must not be negative, found \(number)")
        }
        return number
    }

    /// An array of strings member.
    mutating func stringList(_ key: String) throws(FormatError) -> [String] {
        let value = try value(key)
        guard case .array(let elements) = value else {
            throw FormatError(.wrongType, field: name(key), "must be an array of strings, found \(value.kindDescription)")
        }
        var out: [String] = []
        out.reserveCapacity(elements.count)
        for (index, element) in elements.enumerated() {
            guard case .string(let text) = element else {
                throw FormatError(.wrongType, field: "\(name(key))[\(index)]", "must be a string, found \(element.kindDescription)")
            }
            out.append(text)
        }
        return out
    }

    /// A field-name list member (sorted, unique, non-empty).
    mutating func fieldList(_ key: String) throws(FormatError) -> [String] {
        let names = try stringList(key)
        if let problem = FieldRules.fieldListProblem(names) {
            throw FormatError(.invalidValue, field: name(key), problem)
        }
        return names
    }

    /// A nested object member.
    mutating func object(_ key: String) throws(FormatError) -> ObjectReader {
        try ObjectReader(try value(key), path: name(key))
    }

    /// Fails if the object has a member that was never read.
    func finish() throws(FormatError) {
        if presentRead == members.count { return }
        let extra = members.keys.filter { !read.contains($0) }.sorted()
        if let first = extra.first {
            throw FormatError(.unexpectedField, field: name(first), "is not a field of this object; remove it (allowed: \(read.sorted().joined(separator: ", ")))")
        }
    }
}

extension String {
    /// The string without `prefix` if it starts with it.
    func dropPrefix(_ prefix: String) -> String {
        hasPrefix(prefix) ? String(dropFirst(prefix.count)) : self
    }
}
