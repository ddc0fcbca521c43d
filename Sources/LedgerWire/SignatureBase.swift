/// The signature base of RFC 9421 §2.5: the exact bytes a request signature signs.
///
/// ```
/// "@method": POST
/// "@target-uri": https://ledger.example/v1/entries
/// "content-digest": sha-256=:…:
/// "@signature-params": ("@method" "@target-uri" "content-digest");created=…;keyid="…"
/// ```
///
/// One line per covered component, `"<name>": <value>` joined by `\n`, then the
/// `@signature-params` line with no newline after it. Checked byte for byte against RFC 9421
/// Appendix B.2.6 in `RFC9421VectorTests`.
///
/// Derived components supported (§2.2): `@method`, `@target-uri`, `@authority`, `@scheme`,
/// `@request-target`, `@path`, `@query`; and header fields by lowercase name. `@target-uri` is
/// the URI with scheme and host lowercased, the default port dropped and an empty path as `/`
/// (RFC 9110 §4.2.3 equivalences), the form a server rebuilds from `Host` and the request line. Component
/// parameters (`;sf`, `;key`, `;bs`, `;req`, `;name`), `@query-param` and `@status` are refused
/// as unsupported rather than guessed at.
public enum SignatureBase {
    /// Builds the signature base of `input` over `request`.
    /// - Throws: ``RequestSignatureError/Code/unsupportedComponent`` for a component this code does
    ///   not derive, ``RequestSignatureError/Code/missing`` for an absent header field,
    ///   ``RequestSignatureError/Code/malformed`` for a repeated component, a bad target URI, or a
    ///   value with a line break (which would forge extra lines of the base).
    public static func build(for input: SignatureInput, request: SignedRequestView) throws(RequestSignatureError) -> String {
        var lines: [String] = []
        var seen = Set<String>()
        var target: TargetURI?
        func uri() throws(RequestSignatureError) -> TargetURI {
            if let target { return target }
            let parsed = try TargetURI(request.targetURI)
            target = parsed
            return parsed
        }
        for item in input.list.items {
            guard case .string(let name) = item.value else {
                throw RequestSignatureError(.malformed, "Signature-Input: member \"\(input.label)\" lists a component that is not a quoted name")
            }
            guard item.parameters.entries.isEmpty else {
                throw RequestSignatureError(.unsupportedComponent, "Signature-Input: component \(RequestSignatureError.quoted(item.serialized)) of \"\(input.label)\" has parameters, which FlowLedger does not support; cover plain components")
            }
            guard seen.insert(name).inserted else {
                throw RequestSignatureError(.malformed, "Signature-Input: member \"\(input.label)\" covers \"\(RequestSignatureError.quoted(name))\" twice (RFC 9421 §2.5 forbids it)")
            }
            let value: String
            switch name {
            case "@method": value = request.method
            case "@target-uri": value = try uri().normalized
            case "@authority": value = try uri().authority
            case "@scheme": value = try uri().scheme
            case "@request-target": value = try uri().requestTarget
            case "@path": value = try uri().path
            case "@query": value = try uri().queryComponent
            case _ where name.hasPrefix("@"):
                throw RequestSignatureError(.unsupportedComponent, "Signature-Input: member \"\(input.label)\" covers \"\(RequestSignatureError.quoted(name))\", a derived component FlowLedger does not support (supported: @method @target-uri @authority @scheme @request-target @path @query)")
            default:
                guard name == name.lowercased(), !name.isEmpty else {
                    throw RequestSignatureError(.malformed, "Signature-Input: component \"\(RequestSignatureError.quoted(name))\" of \"\(input.label)\" is not a lowercase field name")
                }
                guard let field = request.headers(name) else {
                    throw RequestSignatureError(.missing, "the request has no \(name) header, yet its signature \"\(input.label)\" covers it; send the header that was signed")
                }
                // RFC 9421 §2.1: leading and trailing whitespace removed; field lines already combined.
                value = field.trimmingOWS
            }
            guard !value.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" }) else {
                throw RequestSignatureError(.malformed, "the value of component \"\(RequestSignatureError.quoted(name))\" contains a line break, which cannot be signed")
            }
            lines.append("\"\(name)\": \(value)")
        }
        lines.append("\"@signature-params\": " + input.signatureParams)
        return lines.joined(separator: "\n")
    }
}

extension String {
    /// The string without leading and trailing spaces and tabs (OWS, RFC 9110 §5.6.3).
    fileprivate var trimmingOWS: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { $0 != " " && $0 != "\t" }),
              let last = scalars.lastIndex(where: { $0 != " " && $0 != "\t" }) else { return "" }
        return String(scalars[first...last])
    }
}
