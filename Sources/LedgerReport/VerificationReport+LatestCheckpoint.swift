import Foundation
import LedgerCore
import LedgerVerify

extension VerificationReport {
    /// The latest checkpoint file this verification read in `directory`, as a note (for its
    /// signature lines in the report); nil when there is none or it cannot be read (the verdict
    /// already says why).
    package func latestCheckpointNote(directory: String) -> Note? {
        guard let latest = checkpoints.filter({ $0.size != nil }).max(by: { ($0.size!, $0.file) < ($1.size!, $1.file) }),
              let bytes = FileManager.default.contents(atPath: directory + "/" + latest.file) else { return nil }
        return try? Note(parsing: Array(bytes))
    }
}
