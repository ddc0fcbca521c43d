import LedgerCore
import LedgerCrypto

/// What a witness remembers between runs (DESIGN §8): its own cosigner verifier key and, for
/// each log origin, the latest checkpoint it cosigned — the note with its cosignature line — so
/// that the next checkpoint must come with a consistency proof from it.
///
/// The file is canonical JSON plus a newline, written atomically (temporary file, fsync,
/// rename):
///
///     {"checkpoints":{"<origin>":"<cosigned note>"},"format":"flowledger/witness-state/v1","witness":"<vkey>"}
///
/// An immutable value: ``recording(_:)`` returns the next state, so a refused checkpoint cannot
/// leave a half-updated state behind.
///
/// ```swift
/// var state = try WitnessState.load(from: "regulator.state.json")
/// if case .cosigned(let note, _, let next) = try witness.cosign(bytes, operatorKey: vkey, proof: proof, state: state, time: now) {
///     try next.save(to: "regulator.state.json")
/// }
/// ```
package struct WitnessState: Hashable, Sendable {
    /// The `format` field of the file.
    package static let format = "flowledger/witness-state/v1"
    /// The largest state file read (a note is at most 1 MiB; a witness follows a few logs).
    package static let maxBytes = 64 << 20

    /// The witness's cosigner verifier key (type 0x04).
    package let witnessKey: VerifierKey
    /// Origin → the latest checkpoint note this witness cosigned for that log.
    package let checkpoints: [String: String]

    /// A state; `checkpoints` maps origins to cosigned notes.
    package init(witnessKey: VerifierKey, checkpoints: [String: String] = [:]) {
        self.witnessKey = witnessKey
        self.checkpoints = checkpoints
    }

    /// The latest checkpoint cosigned for `origin`, parsed, or nil if none.
    package func latest(origin: String) -> (checkpoint: Checkpoint, note: String)? {
        guard let note = checkpoints[origin], let parsed = try? Note(parsing: Array(note.utf8)),
              let checkpoint = try? Checkpoint(text: parsed.text)
        else { return nil }
        return (checkpoint, note)
    }

    /// The state after cosigning `note` (a checkpoint note with this witness's cosignature).
    package func recording(_ note: String, origin: String) -> WitnessState {
        var checkpoints = self.checkpoints
        checkpoints[origin] = note
        return WitnessState(witnessKey: witnessKey, checkpoints: checkpoints)
    }

    /// The file's bytes: canonical JSON and a newline.
    package var serialized: [UInt8] {
        CanonicalJSON.encode(.object([
            "checkpoints": .object(checkpoints.mapValues { .string($0) }),
            "format": .string(Self.format),
            "witness": .string(witnessKey.string),
        ])) + [0x0a]
    }

    /// Parses a state file strictly; `source` names it in errors. Every stored note must be a
    /// checkpoint for its origin that carries a valid cosignature by the state's witness key.
    package init(parsing bytes: [UInt8], source: String) throws(WitnessError) {
        func corrupt(_ detail: String) -> WitnessError {
            WitnessError(.corruptState, "\(source): not a FlowLedger witness state: \(detail); restore it from a backup, or start over with `flowledger witness init` (which forgets what was cosigned)")
        }
        guard bytes.last == 0x0a else { throw corrupt("it does not end with a newline (truncated?)") }
        let value: JSONValue
        do {
            value = try CanonicalJSONParser.parse(bytes.dropLast(), maxBytes: Self.maxBytes)
        } catch {
            throw corrupt("not canonical JSON at \(error.description)")
        }
        guard let object = value.objectValue, Set(object.keys) == ["checkpoints", "format", "witness"] else {
            throw corrupt("expected exactly the fields \"checkpoints\", \"format\" and \"witness\"")
        }
        guard object["format"]?.stringValue == Self.format else {
            throw corrupt("field \"format\" is not \"\(Self.format)\"")
        }
        guard let keyText = object["witness"]?.stringValue, let key = try? VerifierKey(string: keyText), key.algorithm == .cosignatureV1 else {
            throw corrupt("field \"witness\" is not a cosignature/v1 verifier key")
        }
        guard let stored = object["checkpoints"]?.objectValue else {
            throw corrupt("field \"checkpoints\" is not an object")
        }
        var checkpoints: [String: String] = [:]
        for (origin, value) in stored {
            guard let stored = value.stringValue,
                  let (note, parsed) = Self.readable(stored, origin: origin, witness: key.name),
                  let checkpoint = try? Checkpoint(text: parsed.text), checkpoint.origin == origin
            else {
                throw corrupt("the checkpoint stored for \"\(origin)\" is not a signed checkpoint of that log")
            }
            guard CosignatureCheck.verify(note: parsed, witnesses: [key])[key]?.isValid == true else {
                throw corrupt("the checkpoint stored for \"\(origin)\" (size \(checkpoint.size)) has no valid cosignature by \(keyText)")
            }
            checkpoints[origin] = note
        }
        self.init(witnessKey: key, checkpoints: checkpoints)
    }

    /// A stored note, parsed; one that is not readable as it is keeps only the lines of the
    /// operator (named `origin`) and the witness. Versions before this one kept every signature
    /// line a checkpoint came with, so a note padded to a note's limits could not be read back
    /// once the witness's line was added, and the witness refused to start; now it starts, and
    /// writes the repaired note at its next cosignature.
    private static func readable(_ note: String, origin: String, witness: String) -> (String, Note)? {
        if let parsed = try? Note(parsing: Array(note.utf8)) { return (note, parsed) }
        guard let blank = note.range(of: "\n\n") else { return nil }
        let text = note[..<blank.lowerBound] + "\n"
        let lines = note[blank.upperBound...].split(separator: "\n").filter { $0.hasPrefix("— \(origin) ") || $0.hasPrefix("— \(witness) ") }
        let repaired = String(text) + "\n" + lines.map { $0 + "\n" }.joined()
        return (try? Note(parsing: Array(repaired.utf8))).map { (repaired, $0) }
    }

    /// Reads the state file at `path`.
    package static func load(from path: String) throws(WitnessError) -> WitnessState {
        guard AtomicFile.exists(path) else {
            throw WitnessError(.io, "\(path): no witness state here; create one with `flowledger witness init --key KEY.pem --name NAME --state \(path)`")
        }
        return try WitnessState(parsing: AtomicFile.read(path, limit: maxBytes), source: path)
    }

    /// Writes the state to `path` atomically and durably (temporary file, fsync, rename, fsync
    /// of the directory): after a crash the file holds the old state or the new one.
    /// - Parameter create: refuse to replace an existing file (for `witness init`).
    package func save(to path: String, create: Bool = false) throws(WitnessError) {
        do {
            try AtomicFile.write(serialized, to: path, exclusive: create)
        } catch where error.code == .stateExists {
            throw WitnessError(.stateExists, "\(path) already holds a witness state; refusing to overwrite what this witness cosigned (choose another path, or remove it first)")
        }
    }
}
