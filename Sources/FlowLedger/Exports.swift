// `import FlowLedger` is all a participant's program needs: the event model and keys
// (LedgerCore, LedgerCrypto), the store's receipts, errors and options, the projector's typed
// views (LedgerProjection) and the regulators' checks (LedgerVerify) come with it.
@_exported import LedgerCore
@_exported import LedgerCrypto
@_exported import LedgerProjection
@_exported import LedgerStore
@_exported import LedgerVerify
