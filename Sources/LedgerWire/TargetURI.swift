/// An absolute `http`/`https` target URI split into the parts RFC 9421 §2.2 derives components
/// from. Only RFC 9110 §4.2.3's scheme-level equivalences are applied (scheme and host in
/// lowercase, default port dropped, empty path as `/`); no percent-decoding or dot-segment
/// removal: path and query are the bytes as sent.
struct TargetURI {
    /// Lowercase scheme: `http` or `https` (`@scheme`).
    let scheme: String
    /// Lowercase host with the port unless it is the scheme's default (`@authority`).
    let authority: String
    /// The absolute path, `/` when empty (`@path`).
    let path: String
    /// The query without `?`, nil when the URI has none.
    let query: String?

    /// Splits `scheme://authority[/path][?query]`; refuses user info, fragments and other schemes.
    init(_ text: String) throws(RequestSignatureError) {
        func refuse(_ problem: String) -> RequestSignatureError {
            RequestSignatureError(.malformed, "target URI \"\(RequestSignatureError.quoted(text))\" \(problem); sign and verify the absolute URI the request is sent to, e.g. https://ledger.example:8443/v1/entries")
        }
        guard let schemeEnd = text.firstRange(of: "://") else { throw refuse("is not absolute (no \"://\")") }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { throw refuse("has scheme \"\(RequestSignatureError.quoted(scheme))\", not http or https") }
        let rest = text[schemeEnd.upperBound...]
        guard !rest.contains("#") else { throw refuse("has a fragment") }
        guard !rest.unicodeScalars.contains(where: { $0.value <= 0x20 || $0.value >= 0x7f }) else {
            throw refuse("has spaces, control or non-ASCII characters")
        }
        let authorityEnd = rest.firstIndex(where: { $0 == "/" || $0 == "?" }) ?? rest.endIndex
        var authority = rest[..<authorityEnd].lowercased()
        guard !authority.isEmpty else { throw refuse("has no host") }
        guard !authority.contains("@") else { throw refuse("has user info") }
        let defaultPort = scheme == "https" ? ":443" : ":80"
        if authority.hasSuffix(defaultPort) { authority.removeLast(defaultPort.count) }
        let pathAndQuery = rest[authorityEnd...]
        let queryStart = pathAndQuery.firstIndex(of: "?")
        let path = String(pathAndQuery[..<(queryStart ?? pathAndQuery.endIndex)])
        self.scheme = scheme
        self.authority = authority
        self.path = path.isEmpty ? "/" : path
        self.query = queryStart.map { String(pathAndQuery[pathAndQuery.index(after: $0)...]) }
    }

    /// `@target-uri`: the URI with the equivalences above applied, so that a client that writes
    /// `https://Ledger.Example:443/v1/entries` and a server that rebuilds
    /// `https://ledger.example/v1/entries` from its `Host` header sign and check the same line.
    var normalized: String { scheme + "://" + authority + requestTarget }

    /// `@query`: `?` and the query, or `?` alone when there is none (RFC 9421 §2.2.7).
    var queryComponent: String { "?" + (query ?? "") }

    /// `@request-target` in origin form: the path and, if present, `?` and the query.
    var requestTarget: String { path + (query.map { "?" + $0 } ?? "") }
}
