import ArgumentParser
import FlowLedger

/// `flowledger keygen --suite S --out KEY.pem`
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a new private key (PKCS#8 PEM, mode 0600); print its public key and key id.",
        discussion: "Prints two lines: `key <public key>` and `key-id <16 hex digits>`. The private key is written only to the file.")

    @Option(help: "The crypto suite: ed25519-sha256 (default) or sm2-sm3.")
    var suite: String = Suite.ed25519SHA256.rawValue

    @Option(help: "Where to write the private key; the file must not exist.")
    var out: String

    func run() throws {
        let suite: Suite
        do {
            suite = try Suite(name: self.suite)
        } catch {
            throw CommandFailure("--suite: \(error.message)")
        }
        let key = try PrivateKey.generate(suite: suite)
        try KeyFile.write(key, to: out)
        Output.line("key \(key.publicKey.string)")
        Output.line("key-id \(key.publicKey.keyID)")
    }
}
