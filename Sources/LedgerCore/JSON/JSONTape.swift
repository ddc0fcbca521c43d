import LedgerCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed canonical JSON document as one flat array of nodes over its own bytes.
///
/// The strict parser writes this instead of a tree of ``JSONValue``s: one allocation for the
/// nodes, none per object, key or string. Readers (``ObjectReader``) look keys up by comparing
/// bytes and build a `String` only for the values they keep. Reading an entry this way costs a
/// fraction of building `[String: JSONValue]` dictionaries, and entry parsing is most of what a
/// catch-up, a replay or a recovery does outside signature checks.
///
/// Layout: a container's node is followed by its children in document order. An object's
/// children are pairs of a key node and the value's subtree; ``Node/next`` skips a whole subtree.
struct JSONTape: Sendable {
    /// The kind of a node.
    enum Kind: UInt8, Sendable {
        case null, falseValue, trueValue, integer, string, array, object
    }

    /// One value (or object key) of the document.
    struct Node: Sendable {
        /// What the node is.
        var kind: Kind
        /// Strings: true when the literal contains escapes, so its bytes are not its text.
        var escaped = false
        /// Arrays: elements; objects: members.
        var count: Int32 = 0
        /// Strings: offset after the opening quote; containers: offset of `{` or `[`.
        var start: Int32
        /// Strings: offset of the closing quote; containers: offset after `}` or `]`.
        var end: Int32 = 0
        /// Index of the first node after this one's subtree.
        var next: Int32 = 0
        /// Integers: the value.
        var integer: Int64 = 0
    }

    /// The document's bytes (exactly the parser's input).
    let bytes: [UInt8]
    /// The nodes; the root is node 0.
    var nodes: [Node]

    /// The node at `index`.
    subscript(index: Int) -> Node { nodes[index] }

    /// The text of the string (or key) node at `index`, escapes decoded.
    func string(at index: Int) -> String {
        let node = nodes[index]
        return bytes.withUnsafeBufferPointer { buffer in
            let literal = UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)])
            if !node.escaped { return String(decoding: literal, as: UTF8.self) }
            return String(decoding: Self.unescape(literal), as: UTF8.self)
        }
    }

    /// True when the string (or key) node at `index` is exactly the ASCII text `key`.
    func stringEquals(_ index: Int, _ key: StaticString) -> Bool {
        let node = nodes[index]
        let length = Int(node.end - node.start)
        guard !node.escaped, length == key.utf8CodeUnitCount else { return false }
        return bytes.withUnsafeBufferPointer { buffer in
            let start = Int(node.start)
            let utf8 = key.utf8Start
            for offset in 0..<length where buffer[start + offset] != utf8[offset] { return false }
            return true
        }
    }

    /// True when the string node at `index` is exactly `text`.
    func stringEquals(_ index: Int, _ text: String) -> Bool {
        let node = nodes[index]
        let length = Int(node.end - node.start)
        guard !node.escaped, length == text.utf8.count else { return false }
        if length == 0 { return true }
        if let equal = text.utf8.withContiguousStorageIfAvailable({ utf8 in
            bytes.withUnsafeBufferPointer { buffer in memcmp(buffer.baseAddress! + Int(node.start), utf8.baseAddress!, length) == 0 }
        }) {
            return equal
        }
        return bytes[Int(node.start)..<Int(node.end)].elementsEqual(text.utf8)
    }

    /// Calls `body` with the raw bytes of the string node at `index` (escapes not decoded).
    func withLiteral<R>(_ index: Int, _ body: (UnsafeBufferPointer<UInt8>) throws(FormatError) -> R) throws(FormatError) -> R {
        let node = nodes[index]
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(FormatError) in try body(UnsafeBufferPointer(rebasing: buffer[Int(node.start)..<Int(node.end)])) }
        }
        return try result.get()
    }

    /// The indices of the key nodes of the object at `index` (each value node follows its key).
    func memberKeys(of index: Int) -> [Int] {
        var keys: [Int] = []
        keys.reserveCapacity(Int(nodes[index].count))
        var key = index + 1
        for _ in 0..<nodes[index].count {
            keys.append(key)
            key = Int(nodes[key + 1].next)
        }
        return keys
    }

    /// The indices of the element nodes of the array at `index`.
    func elements(of index: Int) -> [Int] {
        var elements: [Int] = []
        elements.reserveCapacity(Int(nodes[index].count))
        var element = index + 1
        for _ in 0..<nodes[index].count {
            elements.append(element)
            element = Int(nodes[element].next)
        }
        return elements
    }

    /// The bytes of the node at `index`: a container's whole literal, a string's contents.
    func slice(of index: Int) -> ArraySlice<UInt8> {
        bytes[Int(nodes[index].start)..<Int(nodes[index].end)]
    }

    /// "a string", "an object", … for error messages (the words of ``JSONValue/kindDescription``).
    func kindDescription(_ index: Int) -> String {
        switch nodes[index].kind {
        case .null: return "null"
        case .falseValue, .trueValue: return "a boolean"
        case .integer: return "an integer"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The subtree at `index` as a ``JSONValue``.
    ///
    /// - Throws: ``CanonicalJSONError/Reason/duplicateKey`` for an object with two keys that
    ///   differ in bytes but that Swift's `String` calls equal (Unicode canonical equivalence:
    ///   `"e\u{301}"` and `"é"`). The parser accepts both, as distinct keys in code-unit order, but
    ///   a `[String: JSONValue]` can hold only one: keeping one would silently drop a member, and
    ///   the value would no longer re-encode to its bytes (DESIGN §4). Readers that look keys up
    ///   by bytes on the tape (``ObjectReader``) are not affected.
    func value(at index: Int) throws(CanonicalJSONError) -> JSONValue {
        let node = nodes[index]
        switch node.kind {
        case .null: return .null
        case .falseValue: return .bool(false)
        case .trueValue: return .bool(true)
        case .integer: return .integer(node.integer)
        case .string: return .string(string(at: index))
        case .array:
            var elements: [JSONValue] = []
            elements.reserveCapacity(Int(node.count))
            for (position, element) in self.elements(of: index).enumerated() {
                do {
                    elements.append(try value(at: element))
                } catch {
                    throw error.located(at: JSONFieldPath.prefixing(error.path, withIndex: position))
                }
            }
            return .array(elements)
        case .object:
            var members: [String: JSONValue] = [:]
            members.reserveCapacity(Int(node.count))
            for key in memberKeys(of: index) {
                let name = string(at: key)
                if let earlier = members.index(forKey: name) {
                    let other = members[earlier].key
                    throw CanonicalJSONError(.duplicateKey, at: Int(nodes[key].start) - 1, path: JSONFieldPath.appending(key: name, to: ""),
                                             "keys \"\(quotedForMessage(other))\" (\(Self.scalars(other))) and \"\(quotedForMessage(name))\" (\(Self.scalars(name))) are the same text under Unicode canonical equivalence; this parser cannot keep both in one object. Use one spelling (normalise keys to NFC)")
                }
                do {
                    members[name] = try value(at: key + 1)
                } catch {
                    throw error.located(at: JSONFieldPath.prefixing(error.path, withKey: name))
                }
            }
            return .object(members)
        }
    }

    /// "U+0065 U+0301": the code points of `text`, to tell apart texts that print alike.
    private static func scalars(_ text: String) -> String {
        let listed = text.unicodeScalars.prefix(12).map { scalar in
            let hex = String(scalar.value, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
        }
        return listed.joined(separator: " ") + (text.unicodeScalars.count > 12 ? " …" : "")
    }

    /// The text of a string literal whose escapes the parser has already checked: canonical
    /// JSON's, or any of input JSON's (`\/`, `\uXXXX` in either case, surrogate pairs).
    static func unescape(_ literal: UnsafeBufferPointer<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(literal.count)
        var index = 0
        while index < literal.count {
            let byte = literal[index]
            guard byte == UInt8(ascii: "\\") else {
                out.append(byte)
                index += 1
                continue
            }
            switch literal[index + 1] {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "n"): out.append(0x0a)
            case UInt8(ascii: "f"): out.append(0x0c)
            case UInt8(ascii: "r"): out.append(0x0d)
            case UInt8(ascii: "u"):  // \uXXXX; a high surrogate is followed by \u and its low one
                var scalar = hexUnit(literal, at: index + 2)
                if (0xd800...0xdbff).contains(scalar) {
                    scalar = 0x10000 + (scalar - 0xd800) << 10 + (hexUnit(literal, at: index + 8) - 0xdc00)
                    index += 6
                }
                appendUTF8(scalar, to: &out)
                index += 4
            default: out.append(literal[index + 1])  // \" \\ or \/
            }
            index += 2
        }
        return out
    }

    /// The four hex digits (either case) at `offset` of a checked literal.
    private static func hexUnit(_ literal: UnsafeBufferPointer<UInt8>, at offset: Int) -> UInt32 {
        var unit: UInt32 = 0
        for digit in literal[offset..<offset + 4] {
            let value = digit <= UInt8(ascii: "9") ? digit - UInt8(ascii: "0") : (digit | 0x20) - UInt8(ascii: "a") + 10
            unit = unit << 4 | UInt32(value)
        }
        return unit
    }

    /// Appends the UTF-8 of `scalar` (a Unicode scalar value, never a surrogate: the parser
    /// refuses lone ones).
    private static func appendUTF8(_ scalar: UInt32, to out: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            out.append(UInt8(scalar))
        case ..<0x800:
            out += [UInt8(0xc0 | scalar >> 6), UInt8(0x80 | scalar & 0x3f)]
        case ..<0x10000:
            out += [UInt8(0xe0 | scalar >> 12), UInt8(0x80 | scalar >> 6 & 0x3f), UInt8(0x80 | scalar & 0x3f)]
        default:
            out += [UInt8(0xf0 | scalar >> 18), UInt8(0x80 | scalar >> 12 & 0x3f), UInt8(0x80 | scalar >> 6 & 0x3f), UInt8(0x80 | scalar & 0x3f)]
        }
    }
}
