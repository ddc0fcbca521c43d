import LedgerCore
import LedgerCrypto
import LedgerStore

/// A published checkpoint file, read and its signatures checked (but not yet compared with the
/// log).
struct CheckpointFile {
    /// The path relative to the ledger directory.
    let file: String
    /// The checkpoint, when the file is a checkpoint of this ledger validly signed by the operator.
    let checkpoint: Checkpoint?
    /// Why it is not, otherwise.
    let problem: String?
    /// Required witnesses whose cosignature verified (``CosignatureCheck``); a missing or forged
    /// cosignature leaves a witness out, and ``LedgerVerifier`` reports it if the latest needs it.
    let cosignedBy: [String]

    /// The result once the log was replayed: `computedRoot` is the log's root at the
    /// checkpoint's size when the replay reached it; `logSize` the log's size when intact.
    func result(computedRoot: Hash32?, logSize: Int64?) -> CheckpointCheck {
        guard let checkpoint else {
            return CheckpointCheck(file: file, size: nil, signedRoot: nil, computedRoot: nil, status: .badSignature, problem: problem)
        }
        let status: CheckpointCheck.Status
        if let computedRoot {
            status = computedRoot == checkpoint.root ? .matches : .rootMismatch
        } else if let logSize, checkpoint.size > logSize {
            status = .beyondLog
        } else {
            status = .notReached
        }
        return CheckpointCheck(file: file, size: checkpoint.size, signedRoot: checkpoint.root, computedRoot: computedRoot,
                               status: status, cosignedBy: cosignedBy,
                               problem: status == .beyondLog ? "covers \(checkpoint.size) entries; the log has \(logSize ?? 0)" : nil)
    }
}

/// Reads `checkpoints/`: every `<size>.checkpoint` in size order, then `latest` when it is not a
/// copy of one of them.
enum CheckpointFiles {
    static func read(layout: LedgerLayout, operatorKey: VerifierKey, origin: String, witnesses: [VerifierKey]) -> [CheckpointFile] {
        guard Directory.exists(layout.checkpoints), let names = try? Directory.list(layout.checkpoints) else { return [] }
        let sized = names.compactMap { name -> (Int64, String)? in
            guard name.hasSuffix(".checkpoint"), let size = Int64(name.dropLast(11)), "\(size).checkpoint" == name else { return nil }
            return (size, name)
        }.sorted { $0.0 < $1.0 }
        var files: [CheckpointFile] = []
        var seen: Set<[UInt8]> = []
        for (size, name) in sized {
            let bytes = (try? Directory.readFile(layout.checkpoints + "/" + name, limit: Note.maxBytes)) ?? []
            seen.insert(bytes)
            files.append(check(bytes, file: "checkpoints/" + name, namedSize: size, operatorKey: operatorKey, origin: origin, witnesses: witnesses))
        }
        // An unreadable `latest` (dangling link, a directory) is not a forgery: ``latestNote``
        // says what it is.
        if names.contains("latest"), let bytes = try? Directory.readFile(layout.latestCheckpoint, limit: Note.maxBytes) {
            if !seen.contains(bytes) {
                files.append(check(bytes, file: "checkpoints/latest", namedSize: nil, operatorKey: operatorKey, origin: origin, witnesses: witnesses))
            }
        }
        return files
    }

    /// A note when `checkpoints/latest` is not what it should be, a copy of the largest
    /// `<size>.checkpoint`: missing, unreadable, or a copy of an older one. `prove`, `serve`'s
    /// `GET checkpoint` and the writer's guard read it, so a stale one misleads them (a `latest`
    /// that is no copy at all is checked as a checkpoint of its own).
    static func latestNote(layout: LedgerLayout) -> String? {
        guard let names = try? Directory.list(layout.checkpoints) else { return nil }
        let sizes = names.compactMap { name -> Int64? in
            guard name.hasSuffix(".checkpoint"), let size = Int64(name.dropLast(11)), "\(size).checkpoint" == name else { return nil }
            return size
        }.sorted()
        guard let largest = sizes.last else { return nil }
        let restore = "restore it with `cp \(layout.checkpoint(size: largest)) \(layout.latestCheckpoint)`"
        guard let latest = try? Directory.readFile(layout.latestCheckpoint, limit: Note.maxBytes) else {
            return "checkpoints/latest is missing or cannot be read (a dangling link, a directory?), while \(largest).checkpoint is published; \(restore)"
        }
        for size in sizes.reversed() {
            guard let bytes = try? Directory.readFile(layout.checkpoint(size: size), limit: Note.maxBytes), bytes == latest else { continue }
            if size == largest { return nil }
            return "checkpoints/latest is a copy of \(size).checkpoint, older than the largest published (\(largest).checkpoint): it was put back by hand or a publish was cut short; \(restore)"
        }
        return nil
    }

    private static func check(_ bytes: [UInt8], file: String, namedSize: Int64?, operatorKey: VerifierKey, origin: String,
                              witnesses: [VerifierKey]) -> CheckpointFile {
        do {
            let (note, _) = try Note.open(bytes, verifiers: [operatorKey])
            let checkpoint = try Checkpoint(text: note.text)
            guard checkpoint.origin == origin else {
                return CheckpointFile(file: file, checkpoint: nil, problem: "it is a checkpoint of \"\(quotedForMessage(checkpoint.origin))\", not of \(origin)", cosignedBy: [])
            }
            if let namedSize, namedSize != checkpoint.size {
                return CheckpointFile(file: file, checkpoint: nil, problem: "the file is named for size \(namedSize) but states size \(checkpoint.size)", cosignedBy: [])
            }
            let statuses = CosignatureCheck.verify(note: note, witnesses: witnesses)
            let cosigners = witnesses.filter { statuses[$0]?.isValid == true }.map(\.name)
            return CheckpointFile(file: file, checkpoint: checkpoint, problem: nil, cosignedBy: cosigners)
        } catch {
            return CheckpointFile(file: file, checkpoint: nil, problem: "\(error)", cosignedBy: [])
        }
    }
}
