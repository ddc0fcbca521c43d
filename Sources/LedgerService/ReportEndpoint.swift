import Foundation
import Hummingbird
import LedgerCore
import LedgerCrypto
import LedgerPostgres
import LedgerProjection
import LedgerReport
import LedgerStore
import LedgerVerify
import Synchronization

/// `GET v1/report[?lang=en|zh-CN]`: the regulator's report (issue 16) of the served ledger, for
/// the parties allowed to read (DESIGN §11.4). Built as `flowledger report` builds it — views
/// caught up, the same verifier `verify` uses, one self-contained HTML page — on a thread of its
/// own (a replay must not hold the server's request threads), one build at a time (a request
/// that comes while one runs is answered 503 with `Retry-After`, not given a thread to wait on),
/// and kept, per language, until the log grows. The server remembers what its last verification proved
/// (``VerifiedPrefix`` and its state, in memory), so a rebuild verifies the signatures of the
/// new entries only and rechecks the root of the rest.
///
/// A PostgreSQL store's report is built from a private export of the store (``StoreExport``,
/// in a temporary directory removed when the server stops), extended at each build, as
/// `flowledger export --store` then `flowledger report` would.
final class ReportEndpoint: Sendable {
    let served: ServedLedger
    /// The last page of each language (keyed by the language, not by how `lang` spelled it:
    /// `EN`, `en-GB` and `en` are one page, not three builds).
    private let cache = Mutex<[ReportLanguage: (size: Int64, page: [UInt8])]>([:])
    private let verifiedBefore = Mutex<VerifiedPrefix?>(nil)
    /// Whether a build runs: two builds would share the views file and the export.
    private let building = Mutex<Bool>(false)
    /// The private export of a store, once made.
    private let export = Mutex<String?>(nil)

    init(served: ServedLedger) { self.served = served }

    /// Removes the private export of a store, if one was made.
    func removeExport() {
        if let directory = export.withLock({ $0 }) { try? FileManager.default.removeItem(atPath: directory) }
    }

    func handle(_ request: Request) async throws(Refusal) -> Response {
        let tag: String = request.uri.queryParameters.get("lang") ?? "en"
        guard let language = ReportLanguage(tag: tag) else {
            throw Refusal(400, "badRequest", "lang=\(quotedForMessage(tag)) is not a report language; use en or zh-CN")
        }
        let size = served.durableSize
        if let cached = cache.withLock({ $0[language] }), cached.size == size {
            return WireAnswer.ok(cached.page, contentType: "text/html; charset=utf-8", cacheControl: "no-cache")
        }
        let claimed = building.withLock { busy in
            defer { busy = true }
            return !busy
        }
        guard claimed else {
            throw Refusal(503, "unavailable", "the report is being built for another request; retry in a few seconds", retryAfter: 5)
        }
        let result = await onOwnThread(named: "flowledger-report") { [self] in
            defer { building.withLock { $0 = false } }
            return Result { () throws(Refusal) -> [UInt8] in
                let built = try Self.build(directory: try ledgerDirectory(), language: language, verifiedBefore: verifiedBefore.withLock { $0 })
                cache.withLock { $0[language] = (size, built.page) }
                if var proved = built.proved {
                    proved.source = "this server's memory"
                    verifiedBefore.withLock { $0 = proved }
                }
                return built.page
            }
        }
        return WireAnswer.ok(try result.get(), contentType: "text/html; charset=utf-8", cacheControl: "no-cache")
    }

    /// The ledger directory the report is built from: the served one, or the store's private
    /// export brought up to date.
    private func ledgerDirectory() throws(Refusal) -> String {
        let location = served.options.directory
        guard PostgresAddress.isStore(location) else { return location }
        do {
            let directory = try export.withLock { directory throws in
                if let directory { return directory }
                // Only this server's user may read the copy; a name already taken is an error.
                let made = NSTemporaryDirectory() + "flowledger-serve-report-\(getpid())-\(UInt64.random(in: 0...UInt64.max))"
                try FileManager.default.createDirectory(atPath: made, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
                directory = made
                return made
            }
            let source = try PostgresStore.openReader(address: try PostgresAddress(location))
            defer { source.close() }
            _ = try StoreExport.run(from: source, to: directory + "/ledger")
            return directory + "/ledger"
        } catch {
            throw Refusal(500, "reportFailed", "the report could not be built: the store's log could not be exported for it: \(error)")
        }
    }

    /// Views caught up in `views.sqlite`, the verifier's replay (from what it proved before, if
    /// anything), and the page, with what this verification proved.
    static func build(directory: String, language: ReportLanguage, verifiedBefore: VerifiedPrefix?) throws(Refusal) -> (page: [UInt8], proved: VerifiedPrefix?) {
        var options = ReportOptions()
        options.language = language
        options.checkedAt = Timestamp.now().description
        do {
            let reader = try LedgerReader(directory: directory)
            var projectorOptions = ProjectorOptions()
            projectorOptions.acknowledgementWindow = options.acknowledgementWindow
            let projector = try Projector(reader: reader, path: reader.layout.views, options: projectorOptions)
            _ = try projector.catchUp()
            let views = try ReportViews(reading: projector.views)
            var verifyOptions = VerifyOptions()
            verifyOptions.acknowledgementWindow = options.acknowledgementWindow
            verifyOptions.verifiedBefore = verifiedBefore
            verifyOptions.keepsState = true
            let verification = try LedgerVerifier(directory: directory, options: verifyOptions).run()
            let page = ReportBuilder(views: views, verification: verification,
                                     latestCheckpoint: verification.latestCheckpointNote(directory: directory), options: options).html()
            return (page, verification.proved)
        } catch {
            throw Refusal(500, "reportFailed", "the report could not be built: \(error)")
        }
    }
}
