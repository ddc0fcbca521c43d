import LedgerCrypto

/// The `Content-Digest` field of RFC 9530 with the `sha-256` algorithm, the only one FlowLedger
/// makes and requires (DESIGN §11.4). Tested against RFC 9530's own example.
///
/// ```swift
/// ContentDigest.header(for: Array(#"{"hello": "world"}"#.utf8))
/// // "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
/// ```
public enum ContentDigest {
    /// The field's name as it appears in a signature's covered components.
    public static let fieldName = "content-digest"

    /// `sha-256=:<base64 of SHA-256(body)>:`.
    public static func header(for body: some Collection<UInt8>) -> String {
        "sha-256=:" + Base64.encode(HashAlgorithm.sha256.hash(body).bytes) + ":"
    }

    /// Checks a received `Content-Digest` against the body. The field is an RFC 8941 dictionary
    /// and may list several algorithms; only `sha-256` is read, and it must be present.
    /// - Throws: ``RequestSignatureError/Code/malformed`` for a field that does not parse or a
    ///   `sha-256` value that is not 32 bytes, ``RequestSignatureError/Code/missing`` without a
    ///   `sha-256` member, ``RequestSignatureError/Code/digestMismatch`` when the body differs.
    public static func check(_ header: String, body: some Collection<UInt8>) throws(RequestSignatureError) {
        let dictionary = try StructuredFieldParser.parseDictionary(header, field: "Content-Digest")
        guard let member = dictionary["sha-256"] else {
            let found = dictionary.members.map(\.key).joined(separator: ", ")
            throw RequestSignatureError(.missing, "Content-Digest: no sha-256 digest (found: \(found.isEmpty ? "none" : RequestSignatureError.quoted(found))); send sha-256=:<base64 of SHA-256 of the body>:")
        }
        guard case .item(let item) = member, case .byteSequence(let claimed) = item.value, claimed.count == 32 else {
            throw RequestSignatureError(.malformed, "Content-Digest: sha-256 must be a byte sequence of 32 bytes, :<base64>:")
        }
        let actual = HashAlgorithm.sha256.hash(body).bytes
        guard claimed == actual else {
            throw RequestSignatureError(.digestMismatch, "Content-Digest: the body's SHA-256 is \(Base64.encode(actual)), the header says \(Base64.encode(claimed)); the body changed after it was signed, or the digest was computed over other bytes")
        }
    }
}
