/// What the signature code sees of an HTTP request: its method, absolute target URI and header
/// fields. The server builds one from its framework's request, the client from what it is about
/// to send; neither needs an HTTP stack in this module.
///
/// ```swift
/// let view = SignedRequestView(method: "POST", targetURI: "https://ledger.example/v1/entries",
///                              headerFields: [("Content-Digest", digest)])
/// ```
public struct SignedRequestView {
    /// The method as sent, e.g. `POST` (case-sensitive, RFC 9110 §9.1).
    public var method: String
    /// The absolute target URI, e.g. `https://ledger.example:8443/v1/entries?wait=checkpoint`.
    /// A server behind a proxy rebuilds it as the client addressed it (scheme, `Host`, path, query).
    public var targetURI: String
    /// The value of a header field, looked up by lowercase name; several field lines of one name
    /// combined with `", "` (RFC 9110 §5.3); nil when absent.
    public var headers: (String) -> String?

    /// A view over a lookup function (the server's header store).
    public init(method: String, targetURI: String, headers: @escaping (String) -> String?) {
        self.method = method
        self.targetURI = targetURI
        self.headers = headers
    }

    /// A view over a list of header fields; names match case-insensitively, and repeated fields
    /// are combined with `", "` in order.
    public init(method: String, targetURI: String, headerFields: [(name: String, value: String)]) {
        self.init(method: method, targetURI: targetURI) { name in
            let values = headerFields.filter { $0.name.lowercased() == name }.map(\.value)
            return values.isEmpty ? nil : values.joined(separator: ", ")
        }
    }
}
