import Foundation
import LedgerStore
import NIOSSL
import PostgresNIO

/// Where a PostgreSQL store is: `postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]…]/DATABASE[?sslmode=disable|require]`.
///
/// Several hosts name one cluster's primary and standbys: the writer connects to the one that is
/// not in recovery (libpq's `target_session_attrs=read-write`), readers to the first that
/// answers. The password may also come from `PGPASSWORD`. A description never shows it.
package struct PostgresAddress: Sendable, CustomStringConvertible {
    /// One server of the cluster.
    package struct Host: Sendable, Equatable {
        /// Name or address.
        package var name: String
        /// TCP port.
        package var port: Int
    }

    /// The servers, in the order given.
    package var hosts: [Host]
    /// The role to log in as.
    package var user: String
    /// Its password, if the server asks for one.
    package var password: String?
    /// The database holding the ledger.
    package var database: String
    /// Whether TLS is required (`sslmode=require`, or `verify-full`).
    package var requireTLS: Bool

    /// Parses `text`.
    /// - Throws: ``StoreError/Code/malformed`` naming what is wrong and showing the expected form.
    package init(_ text: String) throws(StoreError) {
        let form = "give postgres://USER[:PASSWORD]@HOST[:PORT][,HOST[:PORT]…]/DATABASE, e.g. postgres://flowledger@127.0.0.1:5432/ledger"
        func fail(_ what: String) -> StoreError { StoreError(.malformed, "--store \(Self.redacted(text)): \(what); \(form)") }
        var rest = Substring(text)
        if rest.hasPrefix("postgres://") { rest = rest.dropFirst(11) } else if rest.hasPrefix("postgresql://") { rest = rest.dropFirst(13) } else {
            throw fail("not a postgres:// URL")
        }
        var query = Substring("")
        if let mark = rest.firstIndex(of: "?") { query = rest[rest.index(after: mark)...]; rest = rest[..<mark] }
        guard let slash = rest.firstIndex(of: "/") else { throw fail("no database after the host") }
        let database = String(rest[rest.index(after: slash)...]).removingPercentEncoding ?? ""
        guard !database.isEmpty else { throw fail("no database after the host") }
        var authority = rest[..<slash]
        guard let at = authority.lastIndex(of: "@") else { throw fail("no user before the host (USER@HOST)") }
        let userInfo = authority[..<at]
        authority = authority[authority.index(after: at)...]
        let user: String
        var password: String?
        if let colon = userInfo.firstIndex(of: ":") {
            user = String(userInfo[..<colon]).removingPercentEncoding ?? ""
            password = String(userInfo[userInfo.index(after: colon)...]).removingPercentEncoding
        } else {
            user = String(userInfo).removingPercentEncoding ?? ""
        }
        guard !user.isEmpty else { throw fail("the user is empty") }
        var hosts: [Host] = []
        for part in authority.split(separator: ",", omittingEmptySubsequences: false) {
            var name = part
            var port = 5432
            if let colon = part.lastIndex(of: ":") {
                guard let parsed = Int(part[part.index(after: colon)...]), (1...65535).contains(parsed) else { throw fail("port \(part[part.index(after: colon)...]) is not a number from 1 to 65535") }
                port = parsed
                name = part[..<colon]
            }
            guard !name.isEmpty else { throw fail("a host is empty") }
            hosts.append(Host(name: String(name), port: port))
        }
        var requireTLS = false
        for pair in query.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0] == "sslmode" else { throw fail("unknown parameter \(pair); only sslmode is understood") }
            switch parts[1] {
            case "disable", "prefer", "allow": requireTLS = false
            case "require", "verify-ca", "verify-full": requireTLS = true
            default: throw fail("sslmode=\(parts[1]) is not one of disable, require, verify-full")
            }
        }
        self.hosts = hosts
        self.user = user
        self.password = password ?? ProcessInfo.processInfo.environment["PGPASSWORD"]
        self.database = database
        self.requireTLS = requireTLS
    }

    /// The address with the password hidden, for messages.
    package var description: String {
        "postgres://\(user)@\(hosts.map { "\($0.name):\($0.port)" }.joined(separator: ","))/\(database)"
    }

    /// `text` with any password between `://user:` and `@` replaced by `***`.
    package static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://"), let at = text[scheme.upperBound...].lastIndex(of: "@") else { return text }
        let userInfo = text[scheme.upperBound..<at]
        guard let colon = userInfo.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":***" + String(text[at...])
    }

    /// Whether `text` names a PostgreSQL store rather than a directory.
    package static func isStore(_ text: String) -> Bool { text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") }
}

extension PostgresAddress {
    /// How to connect to `host`: this address's user, password and database, TLS when
    /// `sslmode` requires it, and a 3 s connect timeout (a dead server is passed over quickly).
    func configuration(for host: Host) throws -> PostgresConnection.Configuration {
        var configuration = PostgresConnection.Configuration(host: host.name, port: host.port, username: user, password: password,
                                                             database: database, tls: .disable)
        configuration.options.connectTimeout = .seconds(3)
        if requireTLS {
            configuration.tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
        }
        return configuration
    }
}
