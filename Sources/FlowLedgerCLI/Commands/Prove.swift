import ArgumentParser
import FlowLedger
import LedgerCore

/// `flowledger prove (DIR|URL) --seq N [--size M] [--json]` and `flowledger prove (DIR|URL) --old M [--new N] [--json]`
struct Prove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an inclusion proof (tlog-proof) or a consistency proof against published checkpoints.",
        discussion: """
            --seq N proves entry N is in the checkpoint of size --size (default: the latest), as a \
            c2sp.org/tlog-proof@v1 file, or with --json as {"index","leaf","path","size"}.
            --old M proves the checkpoint of size --new (default: the latest) extends the one of size M: \
            one base64 hash per line, or with --json {"new","old","path"}.
            Every proof is checked against its checkpoint before it is printed.
            From a served ledger's URL, the checkpoint must also verify under the operator's key \
            (--vkey, else the one the server names), carry every --witness-key's cosignature and \
            extend the one remembered in --checkpoint-file.
            """)

    @OptionGroup var ledger: LedgerLocation

    @Option(help: ArgumentHelp("With a URL: a registered party's private key, to sign the requests (not needed with --public-read).", valueName: "KEY.pem"))
    var key: String?

    @OptionGroup var trust: RemoteTrust

    @Option(help: "The entry to prove.")
    var seq: Int64?

    @Option(help: "The checkpoint size to prove against (default: the latest).")
    var size: Int64?

    @Option(help: "The older checkpoint size of a consistency proof.")
    var old: Int64?

    @Option(help: "The newer checkpoint size of a consistency proof (default: the latest).")
    var new: Int64?

    @Flag(help: "Print JSON with lowercase hex hashes.")
    var json = false

    func validate() throws {
        guard (seq == nil) != (old == nil) else { throw ValidationError("give either --seq (inclusion) or --old (consistency)") }
        if seq != nil && new != nil { throw ValidationError("--new goes with --old; an inclusion proof takes --size") }
        if old != nil && size != nil { throw ValidationError("--size goes with --seq; a consistency proof takes --new") }
    }

    func run() async throws {
        if let url = ledger.url {
            return try await prove(url)
        }
        let proofs = ProofService(reader: try LedgerReader(directory: ledger.location))
        if let seq {
            let proof = try proofs.inclusionProof(seq: seq, checkpointSize: size)
            if json {
                // ProofService checked the proof and the checkpoint's signature.
                Output.line(String(decoding: CanonicalJSON.encode(try proof.json(hash: proofs.hash)), as: UTF8.self))
            } else {
                Output.raw(proof.text)
            }
        } else if let old {
            let (proof, _, _) = try proofs.consistencyProof(old: old, new: new)
            Output.raw(json ? String(decoding: CanonicalJSON.encode(proof.json), as: UTF8.self) + "\n" : proof.text)
        }
    }

    /// The proof from a served ledger, checked by the client before it is printed.
    private func prove(_ url: String) async throws {
        let remote = try await trust.connect(url, keyFile: key)
        defer { Task { await remote.close() } }
        if let seq {
            let proof = try await remote.inclusionProof(seq: seq, checkpointSize: size)
            if json {
                Output.line(String(decoding: CanonicalJSON.encode(try proof.json(hash: remote.suite.hash)), as: UTF8.self))
            } else {
                Output.raw(proof.text)
            }
        } else if let old {
            let (proof, _, _) = try await remote.consistencyProof(old: old, new: new)
            Output.raw(json ? String(decoding: CanonicalJSON.encode(proof.json), as: UTF8.self) + "\n" : proof.text)
        }
    }
}
