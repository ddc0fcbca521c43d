/// One member of a `Signature-Input` field (RFC 9421 §4.1): a label, the ordered covered
/// components and the signature parameters.
///
/// Immutable, and it keeps the parsed inner list whole, unknown parameters included, so that
/// ``signatureParams`` serializes exactly the components and parameters received, in their order
/// (RFC 9421 §2.3): the verifier never rebuilds them from its own idea of what was signed.
public struct SignatureInput: Sendable, Equatable {
    /// The dictionary key, e.g. `fl` or `sig-b26`.
    public let label: String
    /// The covered component identifiers in order, e.g. `["@method", "@target-uri"]`.
    public let coveredComponents: [String]
    /// `created`: when the signature was made, seconds since the epoch.
    public let created: Int64?
    /// `expires`: when it stops being valid, seconds since the epoch.
    public let expires: Int64?
    /// `keyid`: for FlowLedger, the signer's key id (DESIGN §3).
    public let keyID: String?
    /// `alg`: `ed25519`, or `sm2-sm3` for SM2 keys.
    public let alg: String?
    /// `tag`: for FlowLedger, `flowledger/v1`.
    public let tag: String?
    /// `nonce`, if the signer sent one.
    public let nonce: String?
    /// The inner list as parsed, components with their parameters.
    package let list: StructuredField.InnerList

    /// The value of the `@signature-params` line: the inner list serialized (RFC 9421 §2.3).
    public var signatureParams: String { list.serialized }

    /// Reads a member's value; `label` names it in errors.
    package init(label: String, member: StructuredField.Member) throws(RequestSignatureError) {
        guard case .innerList(let list) = member else {
            throw RequestSignatureError(.malformed, "Signature-Input: member \"\(label)\" is not an inner list of components; expected \(label)=(\"@method\" \"@target-uri\");created=…")
        }
        var components: [String] = []
        for item in list.items {
            guard case .string(let name) = item.value else {
                throw RequestSignatureError(.malformed, "Signature-Input: member \"\(label)\" lists \(RequestSignatureError.quoted(item.serialized)), not a quoted component name")
            }
            components.append(name)
        }
        func integer(_ key: String) throws(RequestSignatureError) -> Int64? {
            guard let value = list.parameters[key] else { return nil }
            guard case .integer(let number) = value else {
                throw RequestSignatureError(.malformed, "Signature-Input: parameter \(key) of \"\(label)\" must be an integer (seconds since the epoch), found \(RequestSignatureError.quoted(value.serialized))")
            }
            return number
        }
        func string(_ key: String) throws(RequestSignatureError) -> String? {
            guard let value = list.parameters[key] else { return nil }
            guard case .string(let text) = value else {
                throw RequestSignatureError(.malformed, "Signature-Input: parameter \(key) of \"\(label)\" must be a quoted string, found \(RequestSignatureError.quoted(value.serialized))")
            }
            return text
        }
        self.label = label
        self.coveredComponents = components
        self.created = try integer("created")
        self.expires = try integer("expires")
        self.keyID = try string("keyid")
        self.alg = try string("alg")
        self.tag = try string("tag")
        self.nonce = try string("nonce")
        self.list = list
    }

    /// The signer's input: components without parameters, then the parameters in the order given.
    package init(label: String, components: [String], parameters: StructuredField.Parameters) {
        let list = StructuredField.InnerList(components.map { StructuredField.Item(.string($0)) }, parameters: parameters)
        // Cannot fail: every item is a string and the parameters' types are the caller's.
        self.label = label
        self.coveredComponents = components
        self.list = list
        func value(_ key: String) -> StructuredField.BareItem? { parameters[key] }
        if case .integer(let n) = value("created") { created = n } else { created = nil }
        if case .integer(let n) = value("expires") { expires = n } else { expires = nil }
        if case .string(let s) = value("keyid") { keyID = s } else { keyID = nil }
        if case .string(let s) = value("alg") { alg = s } else { alg = nil }
        if case .string(let s) = value("tag") { tag = s } else { tag = nil }
        if case .string(let s) = value("nonce") { nonce = s } else { nonce = nil }
    }

    /// Parses a whole `Signature-Input` field into its members, in order.
    public static func parseAll(_ field: String) throws(RequestSignatureError) -> [SignatureInput] {
        let dictionary = try StructuredFieldParser.parseDictionary(field, field: "Signature-Input")
        var inputs: [SignatureInput] = []
        for (label, member) in dictionary.members {
            inputs.append(try SignatureInput(label: label, member: member))
        }
        return inputs
    }

    /// The `Signature-Input` member as sent: `label=(…);params`.
    public var headerMember: String { label + "=" + signatureParams }
}
