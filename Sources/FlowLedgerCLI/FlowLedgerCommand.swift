import ArgumentParser
import LedgerPostgres
import FlowLedger
import LedgerCrypto

/// `flowledger`: the command line of DESIGN §10.
public struct FlowLedgerCommand: AsyncParsableCommand {
    /// The command's configuration.
    public static let configuration = CommandConfiguration(
        commandName: "flowledger",
        abstract: "An append-only, hash-chained, signed audit ledger for cross-boundary data exchange.",
        discussion: "Exit codes: 0 success, 1 an event was rejected, the ledger is damaged or a proof does not hold, 2 usage or I/O error; verify also exits 3 for an intact ledger with policy violations.",
        subcommands: [Keygen.self, Init.self, Append.self, Sign.self, CheckpointCommand.self, Prove.self, Verify.self, VerifyProof.self,
                      Vkey.self, WitnessCommand.self, Tail.self, Views.self, Query.self, Report.self, Demo.self, Serve.self,
                      Mirror.self, Export.self])

    /// Creates the command (for ArgumentParser).
    public init() {}

    /// Runs `arguments` (without the program name) and returns the exit code; errors go to
    /// stderr as `flowledger: error: …`.
    public static func run(arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return 0
        } catch let code as ExitCode {
            return code.rawValue  // the command printed its report; the code is its verdict
        } catch let failure as CommandFailure {
            Output.error("flowledger: error: " + TerminalText.escaped(failure.message, keepingLineBreaks: true))
            return failure.exit.rawValue
        } catch let error as StoreError {
            let failure = CommandFailure(error)
            Output.error("flowledger: error: " + TerminalText.escaped(failure.message, keepingLineBreaks: true))
            return failure.exit.rawValue
        } catch let error as LedgerClientError {
            let failure = CommandFailure(error)
            Output.error("flowledger: error: " + TerminalText.escaped(failure.message, keepingLineBreaks: true))
            return failure.exit.rawValue
        } catch {
            let code = exitCode(for: error)
            if code == .success {
                Output.line(fullMessage(for: error))
                return 0
            }
            let message = fullMessage(for: error)
            Output.error(message.hasPrefix("Error: ") ? "flowledger: error: " + message.dropFirst(7) : "flowledger: error: \(message)")
            return CommandFailure.Exit.usage.rawValue
        }
    }
}

/// Options shared by commands that take a ledger directory.
struct LedgerDirectory: ParsableArguments {
    @Argument(help: "The ledger directory.")
    var directory: String
}

/// The ledger whose views a reading command (`views`, `query`) prints: a directory, or a
/// PostgreSQL store, whose views are kept in the file `--views-file` names (DESIGN §12).
struct ViewedLedger: ParsableArguments {
    @Argument(help: ArgumentHelp("The ledger directory, or a PostgreSQL store's postgres:// URL.", valueName: "dir-or-store"))
    var location: String
    @Option(help: ArgumentHelp("With a postgres:// store: keep its views in this SQLite file, brought up to date on each run (default: projected afresh into a temporary file).", valueName: "file"))
    var viewsFile: String?

    func validate() throws {
        if viewsFile != nil && !PostgresAddress.isStore(location) {
            throw ValidationError("--views-file is for a postgres:// store; a ledger directory keeps its views in DIR/views.sqlite")
        }
    }
}

/// The ledger a command works on: a directory, or the URL of a served ledger (`http://…`,
/// `https://…`) for the commands that also work over the network.
struct LedgerLocation: ParsableArguments {
    @Argument(help: ArgumentHelp("The ledger directory, or the http(s):// URL of a served ledger.", valueName: "dir-or-url"))
    var location: String

    /// The URL, when the ledger is served.
    var url: String? { location.hasPrefix("http://") || location.hasPrefix("https://") ? location : nil }
}
