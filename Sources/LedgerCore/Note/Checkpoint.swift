import LedgerCrypto

/// A c2sp.org/tlog-checkpoint body: "the first `size` entries of log `origin` have Merkle root
/// `root`". Signed by the operator as a ``Note``.
///
///     <origin>
///     <tree size, decimal, no leading zeros>
///     <root hash, base64>
///     [extension lines]
public struct Checkpoint: Hashable, Sendable {
    /// The log's origin line.
    public let origin: String
    /// Number of entries covered.
    public let size: Int64
    /// Merkle root of those entries.
    public let root: Hash32
    /// Optional extension lines (opaque, non-empty).
    public let extensions: [String]

    /// Creates a checkpoint body.
    public init(origin: String, size: Int64, root: Hash32, extensions: [String] = []) {
        self.origin = origin
        self.size = size
        self.root = root
        self.extensions = extensions
    }

    /// The note text.
    public var text: String {
        ([origin, String(size), root.base64] + extensions).map { $0 + "\n" }.joined()
    }

    /// Parses a checkpoint body strictly: non-empty origin, canonical decimal size, canonical
    /// base64 of 32 bytes, non-empty extension lines.
    public init(text: String) throws(NoteError) {
        guard text.hasSuffix("\n") else {
            throw NoteError(.malformedCheckpoint, "checkpoint text must end with a newline")
        }
        let lines = text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= 3 else {
            throw NoteError(.malformedCheckpoint, "a checkpoint has at least 3 lines (origin, size, root hash); found \(lines.count)")
        }
        guard !lines[0].isEmpty else { throw NoteError(.malformedCheckpoint, "checkpoint line 1 (origin) is empty") }
        guard let size = Int64(lines[1]), size >= 0, String(size) == lines[1] else {
            throw NoteError(.malformedCheckpoint, "checkpoint line 2 \"\(lines[1].prefix(30))\" is not a tree size in decimal without leading zeros")
        }
        let rootBytes: [UInt8]
        do {
            rootBytes = try Base64.decode(lines[2], field: "checkpoint line 3 (root hash)")
        } catch {
            throw NoteError(.malformedCheckpoint, error.message)
        }
        guard let root = try? Hash32(bytes: rootBytes) else {
            throw NoteError(.malformedCheckpoint, "checkpoint line 3: the root hash is \(rootBytes.count) bytes, expected 32")
        }
        let extensions = Array(lines.dropFirst(3))
        if let empty = extensions.firstIndex(where: \.isEmpty) {
            throw NoteError(.malformedCheckpoint, "checkpoint line \(empty + 4) is an empty extension line")
        }
        self.init(origin: lines[0], size: size, root: root, extensions: extensions)
    }

    /// Opens a signed checkpoint: verifies the note under `verifiers`, parses the body, and if
    /// `origin` is given checks it names that log.
    public static func open(_ bytes: some Collection<UInt8>, verifiers: [VerifierKey], origin: String? = nil) throws(NoteError) -> (checkpoint: Checkpoint, note: Note) {
        let (note, _) = try Note.open(bytes, verifiers: verifiers)
        let checkpoint = try Checkpoint(text: note.text)
        if let origin, checkpoint.origin != origin {
            throw NoteError(.wrongOrigin, "checkpoint is for log \"\(checkpoint.origin)\", expected \"\(origin)\"")
        }
        return (checkpoint, note)
    }
}
