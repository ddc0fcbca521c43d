import LedgerCrypto

// RFC 8941 §4.1: serializing structured field values. Order is kept as given: a parsed value
// serializes back to its canonical spelling with members, items and parameters where they were.

extension StructuredField.BareItem {
    /// The bare item's serialization (§4.1.3). Strings are escaped (`\"`, `\\`); the parser only
    /// ever produces strings and tokens that are valid to serialize.
    package var serialized: String {
        switch self {
        case .integer(let value):
            return String(value)
        case .string(let value):
            var out = "\""
            for char in value.unicodeScalars {
                if char == "\"" || char == "\\" { out += "\\" }
                out.unicodeScalars.append(char)
            }
            return out + "\""
        case .token(let value):
            return value
        case .byteSequence(let bytes):
            return ":" + Base64.encode(bytes) + ":"
        case .boolean(let value):
            return value ? "?1" : "?0"
        }
    }
}

extension StructuredField.Parameters {
    /// `;key=value` for each parameter, `;key` alone for a true boolean (§4.1.1.2).
    package var serialized: String {
        var out = ""
        for (key, value) in entries {
            out += ";" + key
            if value != .boolean(true) { out += "=" + value.serialized }
        }
        return out
    }
}

extension StructuredField.Item {
    /// The item's serialization (§4.1.3).
    package var serialized: String { value.serialized + parameters.serialized }
}

extension StructuredField.InnerList {
    /// `(item item …)` followed by the list's parameters (§4.1.1.1).
    package var serialized: String {
        "(" + items.map(\.serialized).joined(separator: " ") + ")" + parameters.serialized
    }
}

extension StructuredField.Member {
    /// The member value's serialization.
    package var serialized: String {
        switch self {
        case .item(let item): return item.serialized
        case .innerList(let list): return list.serialized
        }
    }
}

extension StructuredField.Dictionary {
    /// `key=value, key=value` (§4.1.2); a true boolean member is its key and parameters alone.
    package var serialized: String {
        members.map { key, member in
            if case .item(let item) = member, item.value == .boolean(true) {
                return key + item.parameters.serialized
            }
            return key + "=" + member.serialized
        }.joined(separator: ", ")
    }
}
