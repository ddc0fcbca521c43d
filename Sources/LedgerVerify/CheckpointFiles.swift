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

/// What `checkpoints/` holds, read once: every `<size>.checkpoint` in size order, then `latest`
/// when it is not a copy of one of them; and a note when `latest` is not what it should be.
struct PublishedCheckpoints {
    /// The files, each with its signatures checked.
    let files: [CheckpointFile]
    /// Set when `checkpoints/latest` is not a copy of the largest `<size>.checkpoint`: missing,
    /// unreadable, or a copy of an older one. `prove`, `serve`'s `GET checkpoint` and the
    /// writer's guard read it, so a stale one misleads them (a `latest` that is no copy at all
    /// is in ``files``, checked as a checkpoint of its own).
    let latestNote: String?
}

/// Reads `checkpoints/` for `verify`.
enum CheckpointFiles {
    static func read(layout: LedgerLayout, operatorKey: VerifierKey, origin: String, witnesses: [VerifierKey]) -> PublishedCheckpoints {
        guard Directory.exists(layout.checkpoints), let names = try? Directory.list(layout.checkpoints) else {
            return PublishedCheckpoints(files: [], latestNote: nil)
        }
        let sizes = names.compactMap(LedgerLayout.checkpointSize(ofFileNamed:)).sorted()
        var files: [CheckpointFile] = []
        var sizeOfBytes: [[UInt8]: Int64] = [:]  // the largest size each distinct content is published under
        for size in sizes {
            let bytes = try? Directory.readFile(layout.checkpoint(size: size), limit: Note.maxBytes)
            if let bytes { sizeOfBytes[bytes] = size }  // an unreadable one is a copy of nothing
            files.append(check(bytes ?? [], file: "checkpoints/\(size).checkpoint", namedSize: size, operatorKey: operatorKey, origin: origin, witnesses: witnesses))
        }
        // An unreadable `latest` (dangling link, a directory) is not a forgery: the note says what it is.
        let latest = names.contains("latest") ? try? Directory.readFile(layout.latestCheckpoint, limit: Note.maxBytes) : nil
        if let latest, sizeOfBytes[latest] == nil {
            files.append(check(latest, file: "checkpoints/latest", namedSize: nil, operatorKey: operatorKey, origin: origin, witnesses: witnesses))
        }
        return PublishedCheckpoints(files: files, latestNote: latestNote(layout: layout, largest: sizes.last, copyOf: latest.map { sizeOfBytes[$0] }))
    }

    /// The note on `latest`, given the largest published size and, when `latest` could be read,
    /// the size of the checkpoint it is a copy of (nil inside: a copy of none).
    private static func latestNote(layout: LedgerLayout, largest: Int64?, copyOf: Int64??) -> String? {
        guard let largest else { return nil }
        let restore = "restore it with `cp \(layout.checkpoint(size: largest)) \(layout.latestCheckpoint)`"
        guard let copyOf else {
            return "checkpoints/latest is missing or cannot be read (a dangling link, a directory?), while \(largest).checkpoint is published; \(restore)"
        }
        guard let size = copyOf, size != largest else { return nil }
        return "checkpoints/latest is a copy of \(size).checkpoint, older than the largest published (\(largest).checkpoint): it was put back by hand or a publish was cut short; \(restore)"
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
