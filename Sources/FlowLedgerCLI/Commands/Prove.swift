import ArgumentParser
import FlowLedger
import LedgerCore

/// `flowledger prove DIR --seq N [--size M] [--json]` and `flowledger prove DIR --old M [--new N] [--json]`
struct Prove: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print an inclusion proof (tlog-proof) or a consistency proof against published checkpoints.",
        discussion: """
            --seq N proves entry N is in the checkpoint of size --size (default: the latest), as a \
            c2sp.org/tlog-proof@v1 file, or with --json as {"index","leaf","path","size"}.
            --old M proves the checkpoint of size --new (default: the latest) extends the one of size M: \
            one base64 hash per line, or with --json {"new","old","path"}.
            Every proof is checked against its checkpoint before it is printed.
            """)

    @OptionGroup var ledger: LedgerDirectory

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

    func run() throws {
        let proofs = ProofService(reader: try LedgerReader(directory: ledger.directory))
        if let seq {
            let proof = try proofs.inclusionProof(seq: seq, checkpointSize: size)
            if json {
                // ProofService checked the proof and the checkpoint's signature.
                Output.line(String(decoding: CanonicalJSON.encode(try proof.json(hash: proofs.reader.hash)), as: UTF8.self))
            } else {
                Output.raw(proof.text)
            }
        } else if let old {
            let (proof, _, _) = try proofs.consistencyProof(old: old, new: new)
            Output.raw(json ? String(decoding: CanonicalJSON.encode(proof.json), as: UTF8.self) + "\n" : proof.text)
        }
    }
}
