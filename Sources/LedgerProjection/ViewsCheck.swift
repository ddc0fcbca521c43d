import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// `verify --views`: proves that a `views.sqlite` is exactly what the log implies. The views are
/// projected again from the log into memory and both sides are digested from their rows
/// (``ViewDigest``); a stored digest is never trusted.
///
/// ```swift
/// let check = try ViewsCheck.run(directory: "ledger")
/// if !check.holds { print(check.message) }   // names the tables that differ
/// ```
package struct ViewsCheck: Sendable {
    /// Whether the file's rows equal the recomputed ones.
    package let holds: Bool
    /// The digest recomputed from the log, and the one of the file.
    package let expected: ViewDigest, found: ViewDigest?
    /// The tables that differ, in schema order.
    package let differingTables: [String]
    /// One paragraph for the report.
    package let message: String

    /// Checks `<directory>/views.sqlite` (or `path`) against the log of `directory`.
    package static func run(directory: String, path: String? = nil, options: ProjectorOptions = ProjectorOptions()) throws -> ViewsCheck {
        let reader: LedgerReader
        do { reader = try LedgerReader(directory: directory) } catch { throw ProjectionError(error) }
        let file = path ?? reader.layout.views
        let projector = try Projector(reader: reader, path: nil, options: options)
        let size = try projector.catchUp().size
        let expected = try projector.digest()
        let computed = try projector.views.position()
        /// A file whose rows cannot be compared: `what` is wrong with it.
        func mismatch(_ what: String) -> ViewsCheck {
            ViewsCheck(holds: false, expected: expected, found: nil, differingTables: ViewSchema.tables.map(\.name),
                       message: "VIEWS MISMATCH: \(what)\n  the views are derived: `flowledger views \(directory) parties --rebuild` makes them again from the log")
        }
        guard FileManager.default.fileExists(atPath: file) else {
            return ViewsCheck(holds: false, expected: expected, found: nil, differingTables: ViewSchema.tables.map(\.name),
                              message: "VIEWS MISSING: \(file) does not exist; `flowledger views \(directory) parties` builds it")
        }
        // A private copy: checking the evidence never writes beside it, and needs no write access.
        let views: ViewsFile
        do { views = try ViewsFile.copy(of: file) } catch let error as ProjectionError where error.unreadable {
            return mismatch(error.message)
        }
        if let problem = views.unreadable() {
            return mismatch("\(file) cannot be read as views (\(problem)): it is not a views database, or it is damaged")
        }
        guard let position = try views.position() else {
            return mismatch("\(file) has no projector position: it was not made by flowledger, or was emptied")
        }
        if position.schemaVersion != ViewSchema.version {
            // Another layout: its rows cannot be compared (a projector rebuilds such a file).
            return mismatch("\(file) has schema version \(position.schemaVersion), this flowledger writes \(ViewSchema.version): it was made by another version")
        }
        if let computed, position.origin != computed.origin || position.genesisHash != computed.genesisHash {
            return mismatch("\(file) belongs to another ledger (origin \(position.origin), genesis \(position.genesisHash.prefix(16))…; this log: \(computed.origin), genesis \(computed.genesisHash.prefix(16))…)")
        }
        if position.acknowledgementWindow != options.acknowledgementWindow {
            return mismatch("\(file) was built with a P7 window of \(Self.duration(position.acknowledgementWindow)), this check uses \(Self.duration(options.acknowledgementWindow)): compare them with --ack-window \(Self.duration(position.acknowledgementWindow))")
        }
        let found = try views.digest(hash: reader.hash)
        if found == expected {
            return ViewsCheck(holds: true, expected: expected, found: found, differingTables: [],
                              message: "views       \(file): matches the log (\(size) entries, digest \(expected.total.hex))")
        }
        let differing = found.differingTables(from: expected)
        var message = "VIEWS MISMATCH: \(file) is not what the log implies; differing table\(differing.count == 1 ? "" : "s"): \(differing.joined(separator: ", "))"
        if position.size < size {
            message += "\n  the file is stale: it covers \(position.size) of the log's \(size) entries"
        } else if position.size > size {
            message += "\n  the file claims \(position.size) entries, the log has \(size)"
        } else if differing != ["position"] {
            message += "\n  the file claims the log's \(size) entries but its rows differ: it was edited, or built by another projector"
        }
        message += "\n  expected digest \(expected.total.hex)\n  found digest    \(found.total.hex)"
        message += "\n  the views are derived: `flowledger views \(directory) parties --rebuild` makes them again from the log"
        return ViewsCheck(holds: false, expected: expected, found: found, differingTables: differing, message: message)
    }

    /// A P7 window as `--ack-window` takes it: `24h`, `90m`, `3600s`.
    static func duration(_ microseconds: Int64) -> String {
        for (suffix, scale) in [("h", Int64(3_600_000_000)), ("m", 60_000_000), ("s", 1_000_000)] where microseconds % scale == 0 {
            return "\(microseconds / scale)\(suffix)"
        }
        return "\(microseconds)µs"
    }
}
