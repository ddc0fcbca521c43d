/// Untrusted text quoted back in an error message, cut to `limit` characters so a hostile
/// megabyte-long value cannot flood a report.
package func quotedForMessage(_ text: some StringProtocol, limit: Int = 40) -> String {
    text.count <= limit ? String(text) : String(text.prefix(limit)) + "…"
}
