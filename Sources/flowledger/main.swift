// The `flowledger` command (DESIGN §10); everything lives in FlowLedgerCLI so tests can run it.
import FlowLedgerCLI
#if canImport(Glibc)
import Glibc
#endif

exit(await FlowLedgerCommand.run(arguments: Array(CommandLine.arguments.dropFirst())))
