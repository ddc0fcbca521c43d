/// The subset of RFC 8941 structured field values that `Signature-Input`, `Signature` and
/// `Content-Digest` use: dictionaries whose members are items or inner lists, each with ordered
/// parameters. Decimals are not supported (no field FlowLedger reads carries one).
///
/// Parsing is in ``StructuredFieldParser``, serialization in `StructuredField+Serialization.swift`;
/// a parsed value serializes back in the same member, item and parameter order, which is what
/// RFC 9421 §2.3 needs for `@signature-params`.
package enum StructuredField {
    /// A bare item (RFC 8941 §3.3).
    package enum BareItem: Hashable, Sendable {
        /// An integer, at most 15 digits (§3.3.1).
        case integer(Int64)
        /// A string of printable ASCII (§3.3.3).
        case string(String)
        /// A token such as `sha-256` (§3.3.4).
        case token(String)
        /// A byte sequence, `:base64:` on the wire (§3.3.5).
        case byteSequence([UInt8])
        /// A boolean, `?1` or `?0` (§3.3.6).
        case boolean(Bool)
    }

    /// Ordered parameters (§3.1.2); keys are unique (the parser refuses duplicates).
    package struct Parameters: Hashable, Sendable {
        /// The parameters in the order they appeared.
        package var entries: [(key: String, value: BareItem)]

        /// No parameters.
        package init(_ entries: [(key: String, value: BareItem)] = []) { self.entries = entries }

        /// The value of parameter `key`, if present.
        package subscript(key: String) -> BareItem? {
            entries.first(where: { $0.key == key })?.value
        }

        package static func == (a: Parameters, b: Parameters) -> Bool {
            a.entries.count == b.entries.count && zip(a.entries, b.entries).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }

        package func hash(into hasher: inout Hasher) {
            for entry in entries {
                hasher.combine(entry.key)
                hasher.combine(entry.value)
            }
        }
    }

    /// An item: a bare item with parameters (§3.3).
    package struct Item: Hashable, Sendable {
        /// The value.
        package var value: BareItem
        /// Its parameters.
        package var parameters: Parameters

        /// Creates an item.
        package init(_ value: BareItem, parameters: Parameters = Parameters()) {
            self.value = value
            self.parameters = parameters
        }
    }

    /// An inner list: items in parentheses, with parameters of the list itself (§3.1.1).
    package struct InnerList: Hashable, Sendable {
        /// The items in order.
        package var items: [Item]
        /// The list's parameters (for `Signature-Input`: `created`, `keyid`, …).
        package var parameters: Parameters

        /// Creates an inner list.
        package init(_ items: [Item], parameters: Parameters = Parameters()) {
            self.items = items
            self.parameters = parameters
        }
    }

    /// A dictionary member's value (§3.2).
    package enum Member: Hashable, Sendable {
        /// A single item.
        case item(Item)
        /// An inner list.
        case innerList(InnerList)
    }

    /// A dictionary: ordered members with unique keys (§3.2).
    package struct Dictionary: Hashable, Sendable {
        /// The members in the order they appeared.
        package var members: [(key: String, value: Member)]

        /// Creates a dictionary.
        package init(_ members: [(key: String, value: Member)] = []) { self.members = members }

        /// The member named `key`, if present.
        package subscript(key: String) -> Member? {
            members.first(where: { $0.key == key })?.value
        }

        package static func == (a: Dictionary, b: Dictionary) -> Bool {
            a.members.count == b.members.count && zip(a.members, b.members).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        }

        package func hash(into hasher: inout Hasher) {
            for member in members {
                hasher.combine(member.key)
                hasher.combine(member.value)
            }
        }
    }
}
