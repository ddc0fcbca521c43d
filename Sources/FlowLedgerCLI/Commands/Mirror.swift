import ArgumentParser
import FlowLedger
import Foundation
import LedgerClient
import LedgerCore
#if canImport(Glibc)
import Glibc
#endif

/// `flowledger mirror URL DIR [--key KEY.pem] [--vkey VKEY] [--witness-key VKEY]… [--checkpoint-file F] [--ca FILE]`
struct Mirror: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make or bring up to date a verified local copy of a served ledger: an ordinary ledger directory that verify, views, query, report and prove use offline.",
        discussion: """
            Every entry up to the server's latest checkpoint is checked as verify checks it (chain, \
            time order, the rules, each author's signature under the key active at that point) and \
            written exactly as served; the copy's Merkle root must be the checkpoint's root before \
            the checkpoint is kept in DIR/checkpoints/. The checkpoint must verify under the operator's \
            key (--vkey, else the copy's, else the one the server names on the first run), carry every \
            --witness-key's cosignature, and extend the latest one verified before (remembered in \
            DIR/mirror/checkpoint, or --checkpoint-file). DIR must be new or empty the first time; \
            later runs fetch only what is new, and a run that was killed goes on from what is durable.
            Exit codes: 0 the copy is up to date; 1 the server forked, rewrote or truncated its history \
            or served entries that do not verify (the copy keeps only what verified, its latest \
            checkpoint is unchanged, and a split view's two signed checkpoints are saved in DIR/mirror/); \
            2 usage, I/O or network error.
            """)

    @Argument(help: "The http(s):// URL of the served ledger.")
    var url: String

    @Argument(help: "The directory of the copy: new or empty the first time, the same copy on later runs.")
    var directory: String

    @Option(help: ArgumentHelp("A registered party's private key, to sign the requests (not needed with --public-read).", valueName: "KEY.pem"))
    var key: String?

    @OptionGroup var trust: RemoteTrust

    func validate() throws {
        guard url.hasPrefix("http://") || url.hasPrefix("https://") else {
            throw ValidationError("\(url) is not an http(s):// URL; mirror copies a served ledger (a directory is already a ledger: copy it, then run verify)")
        }
    }

    func run() async throws {
        let options = try trust.options()
        let signingKey = try key.map { try KeyFile.read($0) }
        let showProgress = isatty(2) == 1
        let started = ContinuousClock.now
        let result: MirrorResult
        do {
            result = try await LedgerMirror.run(url: url, directory: directory, key: signingKey, options: options) { size, target in
                if showProgress { Output.rawError("\rflowledger: mirrored \(size) of \(target) entries") }
            }
        } catch {
            if showProgress { Output.rawError("\r\u{1B}[K") }
            throw CommandFailure(error)
        }
        if showProgress { Output.rawError("\r\u{1B}[K") }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        Output.line("mirrored \(result.url) into \(result.directory): \(result.size) entries (\(result.added) new\(result.created ? ", copy created" : "")) in \(String(format: "%.3f", seconds)) s; checkpoint size \(result.checkpoint.size) root \(result.checkpoint.root.base64) verified")
        if result.checkpoint.size < result.size {
            // Consistent (a prefix of what the copy verified), but a server should not go back.
            Output.error("flowledger: note: the server's latest checkpoint (size \(result.checkpoint.size)) is older than the entries this copy verified before (\(result.size)); nothing new was mirrored. A server that publishes an older checkpoint has rolled back or is serving stale state: tell its operator")
        }
    }
}
