import ArgumentParser
import FlowLedger
import Foundation
import LedgerReport
#if canImport(Glibc)
import Glibc
import LedgerProjection
#endif

/// `flowledger demo [DIR]`: the main job end to end on a realistic scenario (``DemoScenario``):
/// build the ledger through the library, checkpoint, verify, project, write the regulator's
/// report (`DIR/report.html`, as `flowledger report` writes it), and print what a regulator
/// wants to see first.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a realistic exchange ledger, verify it, project its views, and print flows and violations.",
        discussion: """
            Two ride-hailing platforms send trip data to a city transport commission under grants, a \
            telecom operator shares aggregated mobility data with the health commission, the tax and \
            market-supervision bureaus exchange registers, and a regulator records a finding - with one \
            revoked grant, one exchange without a valid grant, one digest mismatch, one quality report \
            and one exchange never acknowledged. The regulator's report (as `flowledger report` writes it) \
            goes to DIR/report.html. Without DIR the ledger goes to a new temporary directory.
            """)

    @Argument(help: "Where to create the demo ledger (must not exist, or be empty); default: a new temporary directory.")
    var directory: String?

    func run() async throws {
        let directory = try Self.prepare(self.directory)
        let scenario = try DemoScenario(directory: directory)
        try await scenario.run()
        let size = scenario.ledger.size
        scenario.ledger.close()

        let report: VerificationReport
        do { report = try LedgerVerifier(directory: directory).run() } catch { throw CommandFailure(error.message) }
        let projector: Projector
        let digest: ViewDigest
        do {
            projector = try Projector(directory: directory)
            try projector.catchUp()
            digest = try projector.digest()
        } catch let error as ProjectionError {
            throw CommandFailure(error.message)
        }
        let file = try ViewsFile(path: projector.path!)
        let page = directory + "/report.html"
        do {
            var options = ReportOptions()
            options.checkedAt = Timestamp.now().description
            let html = ReportBuilder(views: try ReportViews(reading: projector.views), verification: report,
                                     latestCheckpoint: report.latestCheckpointNote(directory: directory), options: options).html()
            try Data(html).write(to: URL(fileURLWithPath: page), options: .atomic)
        } catch let error as ProjectionError {
            throw CommandFailure(error.message)
        } catch {
            throw CommandFailure("\(page): cannot write the demo's report (\(error.localizedDescription)); check the directory can be written")
        }
        let width = isatty(1) == 1 ? 60 : nil

        var out = "FlowLedger demo: a city's data exchange over one week\n\n"
        out += "ledger      \(directory) (\(DemoScenario.origin), ed25519-sha256)\n"
        out += "keys        TEST-ONLY keys derived from the party names: anyone can sign as these parties (real keys: flowledger keygen)\n"
        out += "entries     \(size), checkpoint of \(size) signed by the operator\n"
        out += "verify      \(report.firstBreak == nil ? "intact" : "BROKEN"): \(report.signaturesChecked) signatures, "
        out += "\(report.checkpoints.count) checkpoint\(report.checkpoints.count == 1 ? "" : "s") recomputed; "
        out += "\(report.findings.count) policy findings (flowledger verify exits \(report.verdict.exitCode))\n"
        out += "views       \(projector.path!): \(size) entries projected, digest \(digest.total.hex.prefix(16))…\n"
        out += "report      \(page): the regulator's page (verdict, flows as a graph, violations, grants, quality); open it in a browser\n"
        for (title, name) in [("FLOWS: who sent whom which data", "flows"), ("VIOLATIONS (DESIGN §7 P1-P7)", "violations"),
                              ("EXCHANGES with acknowledgement and verdict", "exchanges"), ("QUALITY REPORTS", "quality")] {
            let sql = ViewTable.named.first { $0.name == name }!.sql
            out += "\n\(title)\n" + TablePrinter.text(try file.select(sql), maxCell: width)
        }
        out += """

            Explore it:
              flowledger views \(directory) grants            # parties, datasets, grants, exchanges, flows, violations, quality
              flowledger query \(directory) "SELECT recipient, sum(records) FROM flows GROUP BY recipient"
              flowledger verify \(directory) --views          # the log, its checkpoint, P1-P7, and views.sqlite against the log
              flowledger report \(directory) --lang zh-CN --out report-zh.html   # the report in Simplified Chinese

            """
        Output.raw(out)
    }

    /// The directory to create the ledger in: `given` if it is missing or empty, else a new
    /// temporary one.
    static func prepare(_ given: String?) throws -> String {
        let files = FileManager.default
        guard let given else {
            let base = files.temporaryDirectory.appendingPathComponent("flowledger-demo-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
            try files.createDirectory(at: base, withIntermediateDirectories: true)
            return base.appendingPathComponent("ledger").path
        }
        var isDirectory: ObjCBool = false
        if files.fileExists(atPath: given, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else {
                throw CommandFailure("\(given) is a file; give a new directory for the demo ledger (or none, for a temporary one)")
            }
            guard (try? files.contentsOfDirectory(atPath: given))?.isEmpty == true else {
                throw CommandFailure("\(given) already exists and is not empty; give a new directory (or none, for a temporary one)")
            }
            try files.removeItem(atPath: given)
        }
        return given
    }
}
