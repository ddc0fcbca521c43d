/// Field paths as errors name them: `body.note`, `body.fields[2]`, `event.body.dataset` — the form
/// of ``FormatError/field``, built from JSON object keys and array indices.
///
/// A key made of letters, digits, `_` and `-` is written bare after a dot; any other key (empty, with
/// a dot, a quote, a control character…) as `["…"]` with JSON escapes and cut at 40 characters, so a
/// hostile key cannot forge a path or break the line an error is printed on.
enum JSONFieldPath {
    /// `path` followed by member `key`.
    static func appending(key: String, to path: String) -> String {
        guard isBare(key) else { return path + "[" + quoted(key) + "]" }
        return path.isEmpty ? key : path + "." + key
    }

    /// `path` followed by array element `index`.
    static func appending(index: Int, to path: String) -> String {
        path + "[\(index)]"
    }

    /// `inner` (a path relative to member `key`) placed under `key`: `note` under `body` is `body.note`.
    static func prefixing(_ inner: String, withKey key: String) -> String {
        let outer = appending(key: key, to: "")
        if inner.isEmpty { return outer }
        return inner.hasPrefix("[") ? outer + inner : outer + "." + inner
    }

    /// `inner` (a path relative to element `index`) placed under that element.
    static func prefixing(_ inner: String, withIndex index: Int) -> String {
        let outer = "[\(index)]"
        if inner.isEmpty { return outer }
        return inner.hasPrefix("[") ? outer + inner : outer + "." + inner
    }

    private static func isBare(_ key: String) -> Bool {
        !key.isEmpty && key.utf8.count <= 64 && key.utf8.allSatisfy { byte in
            (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-")
        }
    }

    /// The key as a JSON string literal (escaped as canonical JSON escapes), cut at 40 characters.
    private static func quoted(_ key: String) -> String {
        var out: [UInt8] = []
        let cut = key.count > 40 ? String(key.prefix(40)) : key
        CanonicalJSON.appendString(cut, to: &out)
        if cut.count < key.count { out.insert(contentsOf: "…".utf8, at: out.count - 1) }
        return String(decoding: out, as: UTF8.self)
    }
}
