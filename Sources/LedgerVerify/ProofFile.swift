import LedgerCore
import LedgerCrypto

/// The proof files `flowledger prove` prints (DESIGN §8), read back by a regulator who has
/// nothing else: no ledger, only the files and the operator's verifier key.
///
/// - Inclusion: a c2sp.org/tlog-proof@v1 file (which carries its signed checkpoint and the entry
///   line), or the JSON `{"index","leaf","path","size"}` of `prove --seq N --json` (which carries
///   neither: the checkpoint comes from its own file).
/// - Consistency: one base64 hash per line (`prove --old M`), or the JSON
///   `{"new","old","path"}` of `prove --old M --json`.
///
/// The form is recognised by the first byte that is not white space: `{` is JSON. JSON may be
/// reformatted (indented, as `jq` prints it) as long as its keys stay sorted; hashes are
/// lowercase hex. Parsing throws a ``NoteError`` with code `malformedProof` that says the line.
///
/// ```swift
/// let inclusion = try ProofFile.inclusion(Array(text.utf8))
/// let report = try ProofCheck.inclusion(inclusion, checkpoint: nil, operatorKey: vkey)
/// ```
public enum ProofFile {
    /// An inclusion proof as read from a file.
    public enum Inclusion: Hashable, Sendable {
        /// A c2sp.org/tlog-proof@v1 file: entry line, index, path and signed checkpoint.
        case tlogProof(TLogProof)
        /// The JSON form: the leaf hash, index, path and the checkpoint size it was made for.
        case json(index: Int64, leaf: Hash32, path: [Hash32], size: Int64)
    }

    /// A consistency proof as read from a file: the path, and the sizes when the file names them
    /// (JSON does; the text form does not).
    public struct Consistency: Hashable, Sendable {
        /// RFC 9162 PROOF(old, D[0:new]).
        public let path: [Hash32]
        /// The older size named by the file, if any.
        public let old: Int64?
        /// The newer size named by the file, if any.
        public let new: Int64?

        /// Creates a consistency proof input.
        public init(path: [Hash32], old: Int64? = nil, new: Int64? = nil) {
            self.path = path
            self.old = old
            self.new = new
        }

        /// The proof between `old` and `new`; throws when the file names other sizes.
        public func proof(old expectedOld: Int64, new expectedNew: Int64) throws(NoteError) -> ConsistencyProof {
            if let old, let new, old != expectedOld || new != expectedNew {
                throw NoteError(.malformedProof, "the consistency proof is from size \(old) to \(new), but the checkpoints are of sizes \(expectedOld) and \(expectedNew); make the right one with `flowledger prove DIR --old \(expectedOld) --new \(expectedNew)`")
            }
            return ConsistencyProof(old: expectedOld, new: expectedNew, path: path)
        }
    }

    /// Parses an inclusion proof: tlog-proof text or `prove --seq N --json`.
    public static func inclusion(_ bytes: [UInt8]) throws(NoteError) -> Inclusion {
        if isJSON(bytes) {
            let object = try jsonObject(bytes, keys: ["index", "leaf", "path", "size"], form: "{\"index\",\"leaf\",\"path\",\"size\"}")
            let index = try integer(object, "index")
            let size = try integer(object, "size")
            return .json(index: index, leaf: try hash(object["leaf"]!, field: "leaf"), path: try path(object), size: size)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NoteError(.malformedProof, "not UTF-8 text: neither a c2sp.org/tlog-proof@v1 file nor JSON")
        }
        guard text.hasPrefix(TLogProof.header + "\n") else {
            throw NoteError(.malformedProof, "line 1: expected \"\(TLogProof.header)\" (a .tlog-proof file) or a JSON object (prove --json)")
        }
        return .tlogProof(try TLogProof(text: text))
    }

    /// Parses a consistency proof: one base64 hash per line, or `prove --old M --json`.
    public static func consistency(_ bytes: [UInt8]) throws(NoteError) -> Consistency {
        if isJSON(bytes) {
            let object = try jsonObject(bytes, keys: ["new", "old", "path"], form: "{\"new\",\"old\",\"path\"}")
            return Consistency(path: try path(object), old: try integer(object, "old"), new: try integer(object, "new"))
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw NoteError(.malformedProof, "not UTF-8 text: expected one base64 hash per line or JSON")
        }
        return Consistency(path: try ConsistencyProof(text: text, old: 0, new: 0).path)
    }

    // MARK: - JSON

    private static func isJSON(_ bytes: [UInt8]) -> Bool {
        bytes.first { !isSpace($0) } == UInt8(ascii: "{")
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }

    /// Parses a proof object. White space is dropped first (no value in a proof can hold any),
    /// so indented JSON reads too; an error names the line of the original bytes.
    private static func jsonObject(_ bytes: [UInt8], keys: [String], form: String) throws(NoteError) -> [String: JSONValue] {
        var compact: [UInt8] = []
        var origin: [Int] = []  // index in `bytes` of each byte kept
        for (index, byte) in bytes.enumerated() where !isSpace(byte) {
            compact.append(byte)
            origin.append(index)
        }
        let value: JSONValue
        do {
            value = try CanonicalJSONParser.parse(compact)
        } catch {
            let at = error.offset < origin.count ? origin[error.offset] : bytes.count
            let line = bytes.prefix(at).count(where: { $0 == 0x0a }) + 1
            throw NoteError(.malformedProof, "line \(line): not a JSON proof: \(error.detail)")
        }
        guard let object = value.objectValue, Set(object.keys) == Set(keys) else {
            throw NoteError(.malformedProof, "line 1: expected a JSON object with exactly the fields \(form), as `flowledger prove --json` prints")
        }
        return object
    }

    private static func integer(_ object: [String: JSONValue], _ field: String) throws(NoteError) -> Int64 {
        guard let value = object[field]?.integerValue, value >= 0 else {
            throw NoteError(.malformedProof, "field \"\(field)\": expected a non-negative integer")
        }
        return value
    }

    private static func hash(_ value: JSONValue, field: String) throws(NoteError) -> Hash32 {
        guard let text = value.stringValue, text.utf8.count == 64, text.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              let hash = try? Hash32(hex: text)
        else {
            throw NoteError(.malformedProof, "field \"\(field)\": expected 64 lowercase hex digits")
        }
        return hash
    }

    private static func path(_ object: [String: JSONValue]) throws(NoteError) -> [Hash32] {
        guard let items = object["path"]?.arrayValue, items.count <= 2 * TLogProof.maxPathLength else {
            throw NoteError(.malformedProof, "field \"path\": expected an array of at most \(2 * TLogProof.maxPathLength) hex hashes")
        }
        var path: [Hash32] = []
        for (number, item) in items.enumerated() {
            path.append(try hash(item, field: "path[\(number)]"))
        }
        return path
    }
}
