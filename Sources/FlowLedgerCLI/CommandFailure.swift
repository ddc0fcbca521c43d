import FlowLedger

/// A command that cannot finish: the message for stderr and the exit code (DESIGN §10:
/// 1 the input or ledger breaks a rule, 2 usage or I/O).
struct CommandFailure: Error, CustomStringConvertible {
    /// Exit codes shared by the commands.
    enum Exit: Int32 {
        /// An event was rejected, or the ledger is damaged.
        case rejected = 1
        /// Bad usage, a missing file, an I/O failure.
        case usage = 2
    }

    let message: String
    let exit: Exit

    init(_ message: String, exit: Exit = .usage) {
        self.message = message
        self.exit = exit
    }

    var description: String { message }

    /// The failure for a store error: rule and damage errors exit 1, the rest 2.
    init(_ error: StoreError, context: String? = nil) {
        let exit: Exit = [.rejected, .malformed, .damaged].contains(error.code) ? .rejected : .usage
        self.init(context.map { "\($0): \(error.message)" } ?? error.message, exit: exit)
    }

    /// The failure for a served ledger's error: a refused event, a broken or forged log, a split
    /// view exit 1 (as against a directory); an unreachable server, a refused request 2.
    init(_ error: LedgerClientError, context: String? = nil) {
        let exit: Exit = [.rejected, .untrustworthy, .splitView].contains(error.code) ? .rejected : .usage
        self.init(context.map { "\($0): \(error.message)" } ?? error.message, exit: exit)
    }
}
