import LedgerCore
import LedgerCrypto

/// Proof that a log operator showed two views of history that cannot both be true (DESIGN §8):
/// the checkpoint a witness cosigned earlier and a checkpoint, signed by the same operator
/// key, that contradicts it — the same size with another root, or no valid consistency proof
/// between them. Both notes are kept verbatim, signatures included, so anyone with the
/// operator's verifier key can check the contradiction without trusting the witness.
///
/// Written as canonical JSON next to the witness state:
///
///     {"cosigned":"<note>","detail":"…","detected":<unix seconds>,"offered":"<note>",
///      "origin":"…","proof":["<hex>",…],"reason":"same-size-different-root"|"inconsistent"}
///
/// ```swift
/// if case .refused(let refusal) = decision, let evidence = refusal.evidence {
///     let path = try evidence.write(directory: "/var/lib/witness")
/// }
/// ```
package struct SplitViewEvidence: Hashable, Sendable {
    /// Why the two checkpoints contradict each other.
    package enum Reason: String, Hashable, Sendable {
        /// Two different roots for the same tree size.
        case sameSizeDifferentRoot = "same-size-different-root"
        /// The consistency proof between the two sizes does not verify.
        case inconsistent
    }

    /// The log.
    package let origin: String
    /// Why this is a split view.
    package let reason: Reason
    /// The checkpoint note the witness cosigned before (with its cosignature).
    package let cosigned: String
    /// The conflicting checkpoint note the operator offered.
    package let offered: String
    /// The consistency proof that failed, if one was given.
    package let proof: [Hash32]
    /// What the check found (roots, sizes), one line.
    package let detail: String
    /// When it was detected, seconds since the epoch.
    package let detected: UInt64

    /// Creates evidence.
    package init(origin: String, reason: Reason, cosigned: String, offered: String, proof: [Hash32], detail: String, detected: UInt64) {
        self.origin = origin
        self.reason = reason
        self.cosigned = cosigned
        self.offered = offered
        self.proof = proof
        self.detail = detail
        self.detected = detected
    }

    /// The file's bytes: canonical JSON and a newline.
    package var serialized: [UInt8] {
        CanonicalJSON.encode(.object([
            "cosigned": .string(cosigned), "detail": .string(detail), "detected": .integer(Int64(clamping: detected)),
            "offered": .string(offered), "origin": .string(origin), "proof": .array(proof.map { .string($0.hex) }),
            "reason": .string(reason.rawValue),
        ])) + [0x0a]
    }

    /// `split-view-<origin, with characters other than [A-Za-z0-9.-] as _>-<detected>.json`.
    package var fileName: String { "\(stem)-\(detected).json" }

    /// `split-view-<origin, with characters other than [A-Za-z0-9.-] as _>`.
    private var stem: String {
        "split-view-" + String(origin.unicodeScalars.map { $0.properties.isASCIIHexDigit || ($0.value < 0x80 && ($0.properties.isAlphabetic || $0 == "." || $0 == "-")) ? Character($0) : "_" })
    }

    /// Writes the evidence into `directory` once per pair of checkpoints and returns its path:
    /// `split-view-<origin as in fileName>-<the first 16 hex digits of SHA-256(cosigned || offered)>.json`,
    /// so the same fork offered again (by anyone who holds it, as often as they like) adds no
    /// file. For a server, where the request decides what is written.
    package func writeOnce(directory: String) throws(WitnessError) -> String {
        let digest = HashAlgorithm.sha256.hash(Array(cosigned.utf8) + Array(offered.utf8)).hex.prefix(16)
        let path = "\(directory)/\(stem)-\(digest).json"
        do {
            try AtomicFile.write(serialized, to: path, exclusive: true)
        } catch where error.code == .stateExists {
            // Kept already, from an earlier offer.
        }
        return path
    }

    /// Writes the evidence into `directory` as a new file (``fileName``, with `-2`, `-3`… if
    /// taken) and returns its path. Never replaces an earlier evidence file.
    package func write(directory: String) throws(WitnessError) -> String {
        let stem = "\(self.stem)-\(detected)"
        for attempt in 1...100 {
            let path = "\(directory)/\(stem)\(attempt == 1 ? "" : "-\(attempt)").json"
            do {
                try AtomicFile.write(serialized, to: path, exclusive: true)
                return path
            } catch where error.code == .stateExists {
                continue
            }
        }
        throw WitnessError(.io, "\(directory): cannot find a free name for split-view evidence (\(fileName) and 99 more are taken)")
    }
}
