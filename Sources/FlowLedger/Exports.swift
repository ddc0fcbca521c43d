// `import FlowLedger` is all a participant's program needs: the event model and keys
// (LedgerCore, LedgerCrypto) and the store's receipts, errors and options come with it.
@_exported import LedgerCore
@_exported import LedgerCrypto
@_exported import LedgerStore
