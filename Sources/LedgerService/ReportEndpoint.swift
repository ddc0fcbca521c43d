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
/// own (a replay must not hold the server's request threads), and kept until the log grows.
/// The server remembers what its last verification proved (``VerifiedPrefix``, in memory), so a
/// rebuild verifies the signatures of the new entries only and rechecks the root of the rest.
final class ReportEndpoint: Sendable {
    let served: ServedLedger
    private let cache = Mutex<[String: (size: Int64, page: [UInt8])]>([:])
    private let verifiedBefore = Mutex<VerifiedPrefix?>(nil)

    init(served: ServedLedger) { self.served = served }

    func handle(_ request: Request) async throws(Refusal) -> Response {
        let tag: String = request.uri.queryParameters.get("lang") ?? "en"
        guard let language = ReportLanguage(tag: tag) else {
            throw Refusal(400, "badRequest", "lang=\(quotedForMessage(tag)) is not a report language; use en or zh-CN")
        }
        let size = served.durableSize
        if let cached = cache.withLock({ $0[tag] }), cached.size == size {
            return WireAnswer.ok(cached.page, contentType: "text/html; charset=utf-8", cacheControl: "no-cache")
        }
        let directory = served.options.directory
        let before = verifiedBefore.withLock { $0 }
        let result = await onOwnThread(named: "flowledger-report") {
            Result { () throws(Refusal) in try Self.build(directory: directory, language: language, verifiedBefore: before) }
        }
        let (page, proved) = try result.get()
        cache.withLock { $0[tag] = (size, page) }
        if var proved {
            proved.source = "this server's memory"
            verifiedBefore.withLock { if ($0?.size ?? -1) <= proved.size { $0 = proved } }
        }
        return WireAnswer.ok(page, contentType: "text/html; charset=utf-8", cacheControl: "no-cache")
    }

    /// Views caught up in `views.sqlite`, the verifier's replay (from what it proved before, if
    /// anything), and the page, with what this verification proved.
    static func build(directory: String, language: ReportLanguage, verifiedBefore: VerifiedPrefix?) throws(Refusal) -> (page: [UInt8], proved: VerifiedPrefix?) {
        guard !PostgresAddress.isStore(directory) else {
            throw Refusal(501, "notImplemented", "the report is built from a ledger directory; export the PostgreSQL store (`flowledger export --store URL DIR`) and run `flowledger report DIR`")
        }
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
