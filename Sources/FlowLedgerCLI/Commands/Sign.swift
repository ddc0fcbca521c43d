import ArgumentParser
import FlowLedger
import LedgerCore
import LedgerCrypto

/// `flowledger sign --key KEY.pem --author ID --origin O [FILE|-]`
struct Sign: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign events offline for a ledger; print {\"event\",\"sig\"} lines for `append --signed`.",
        discussion: "Input lines are {\"type\":…,\"body\":{…}[,\"id\":…][,\"at\":…]}. Stops at the first invalid line (exit 1), naming it.")

    @Argument(help: "The input file, or - for stdin (the default).")
    var input: String?

    @Option(help: "The author's private key (PEM, mode 0600).")
    var key: String

    @Option(help: "The author's party id.")
    var author: String

    @Option(help: "The origin of the ledger the events are for (signatures bind it).")
    var origin: String

    func validate() throws {
        guard FieldRules.isOrigin(origin) else { throw ValidationError("--origin \"\(quotedForMessage(origin))\" is not a valid origin: 1–128 printable ASCII characters without spaces or '+'") }
    }

    func run() throws {
        let signer = Participant(id: author, key: try KeyFile.read(key), origin: origin)
        let input = try FileInput(path: input)
        while true {
            let lines = try input.nextLines()
            if lines.isEmpty { return }
            for line in lines {
                do {
                    let signed = try Append.sign(line.bytes, as: signer, origin: origin)
                    Output.line(String(decoding: CanonicalJSON.encode(signed.json), as: UTF8.self))
                } catch {
                    throw CommandFailure("\(input.name) line \(line.number): \(error)", exit: .rejected)
                }
            }
        }
    }
}
