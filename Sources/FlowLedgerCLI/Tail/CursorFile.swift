import FlowLedger
import Foundation
import LedgerStore

/// `tail --cursor-file FILE`: where a restarted `tail` goes on from. The file holds the seq of
/// the next entry to look at, in decimal, on one line (`1234\n`). It is replaced atomically and
/// durably (temporary file, fsync, rename, fsync of the directory) after each batch is printed,
/// so a reader of the file never sees a part, and a restart neither skips nor repeats entries —
/// unless the process is killed between printing a batch and recording it, when that batch is
/// printed again (at least once, never a gap).
struct CursorFile {
    /// The file's path.
    let path: String

    /// The next seq recorded in the file; nil when there is no file yet (a first run).
    func read() throws -> Int64? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes: [UInt8]
        do {
            bytes = try Directory.readFile(path, limit: 64)
        } catch {
            throw CommandFailure("--cursor-file \(path): cannot read the cursor: \(error.message)")
        }
        var text = String(decoding: bytes, as: UTF8.self)
        if text.hasSuffix("\n") { text.removeLast() }
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let seq = Int64(text), String(seq) == text else {
            throw CommandFailure("--cursor-file \(path): not a tail cursor: expected the next seq to print as a whole number on one line, found \"\(String(text.prefix(40)).debugDescription.dropFirst().dropLast())\"; delete the file to start over (or write the seq to start from into it)")
        }
        return seq
    }

    /// Records `next` as the seq to start from after a restart.
    func write(_ next: Int64) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try Directory.writeAtomically(Array("\(next)\n".utf8), to: path, directory: directory)
        } catch {
            throw CommandFailure("--cursor-file \(path): cannot record the position: \(error.message)")
        }
    }
}
