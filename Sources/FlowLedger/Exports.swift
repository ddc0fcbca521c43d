// `import FlowLedger` gives a participant's or a regulator's program what it uses, and nothing
// else: this module's own `Ledger` and `Participant`, plus the declarations
// re-exported one by one below (their members, nested types and extensions come with them).
// Everything else in the modules underneath is reached only by the package's own targets (the
// CLI, bench, fixtures, tests), which import those modules by name; internals are `package`.
// Adding a line here widens the public surface: `Tests/FlowLedgerSurfaceTests` pins it.

// Keys, suites and hashes (LedgerCrypto).
@_exported import class LedgerCrypto.PrivateKey
@_exported import class LedgerCrypto.PublicKey
@_exported import enum LedgerCrypto.Suite
@_exported import enum LedgerCrypto.HashAlgorithm
@_exported import struct LedgerCrypto.Hash32
@_exported import struct LedgerCrypto.CryptoError

// Events, their bodies and vocabulary, entries and time (LedgerCore).
@_exported import struct LedgerCore.Event
@_exported import struct LedgerCore.SignedEvent
@_exported import enum LedgerCore.EventBody
@_exported import enum LedgerCore.EventType
@_exported import struct LedgerCore.Entry
@_exported import struct LedgerCore.Timestamp
@_exported import enum LedgerCore.JSONValue
@_exported import struct LedgerCore.GenesisBody
@_exported import struct LedgerCore.PartyRegisteredBody
@_exported import struct LedgerCore.PartyKeyRotatedBody
@_exported import struct LedgerCore.PartyStatusBody
@_exported import struct LedgerCore.DatasetCatalogedBody
@_exported import struct LedgerCore.DatasetReclassifiedBody
@_exported import struct LedgerCore.GrantIssuedBody
@_exported import struct LedgerCore.GrantRevokedBody
@_exported import struct LedgerCore.ExchangeSentBody
@_exported import struct LedgerCore.ExchangeReceivedBody
@_exported import struct LedgerCore.QualityReportedBody
@_exported import struct LedgerCore.AuditFindingBody
@_exported import enum LedgerCore.PartyKind
@_exported import enum LedgerCore.PartyRole
@_exported import enum LedgerCore.SharingClass
@_exported import enum LedgerCore.SecurityLevel
@_exported import enum LedgerCore.QualityDimension
@_exported import enum LedgerCore.Severity

// Checkpoints, proofs and verifier keys (LedgerCore).
@_exported import struct LedgerCore.Checkpoint
@_exported import struct LedgerCore.Note
@_exported import struct LedgerCore.VerifierKey
@_exported import struct LedgerCore.TLogProof
@_exported import struct LedgerCore.ConsistencyProof

// Policy findings, as reports and views carry them (LedgerCore).
@_exported import enum LedgerCore.PolicyRule
@_exported import struct LedgerCore.PolicyFinding

// Errors a program catches (LedgerCore).
@_exported import struct LedgerCore.RuleViolation
@_exported import struct LedgerCore.FormatError
@_exported import struct LedgerCore.NoteError
@_exported import struct LedgerCore.MerkleError

// Receipts, reading, following, options and errors of the store (LedgerStore).
@_exported import struct LedgerStore.Receipt
@_exported import class LedgerStore.LedgerReader
@_exported import struct LedgerStore.LedgerManifest
@_exported import struct LedgerStore.EntryFollower
@_exported import struct LedgerStore.StoredEntry
@_exported import struct LedgerStore.WriterOptions
@_exported import struct LedgerStore.StoreError
@_exported import struct LedgerStore.ProofService

// Talking to a served ledger (LedgerWire): request signatures and the server's error answers.
@_exported import struct LedgerWire.RequestSigner
@_exported import enum LedgerWire.UnixTime
@_exported import struct LedgerWire.WireError
@_exported import struct LedgerWire.RequestSignatureError

// A served ledger through a client that checks every answer (LedgerClient).
@_exported import class LedgerClient.RemoteLedger
@_exported import struct LedgerClient.RemoteLedgerOptions
@_exported import struct LedgerClient.RemoteFollower
@_exported import struct LedgerClient.LedgerClientError

// Checks for regulators: replay, reports, offline proof checks (LedgerVerify).
@_exported import struct LedgerVerify.LedgerVerifier
@_exported import struct LedgerVerify.VerifyOptions
@_exported import struct LedgerVerify.VerifyError
@_exported import struct LedgerVerify.VerificationReport
@_exported import enum LedgerVerify.Verdict
@_exported import struct LedgerVerify.IntegrityBreak
@_exported import struct LedgerVerify.CheckpointCheck
@_exported import struct LedgerVerify.IncrementalVerifier
@_exported import enum LedgerVerify.ProofFile
@_exported import enum LedgerVerify.ProofCheck
@_exported import struct LedgerVerify.ProofReport
@_exported import enum LedgerVerify.CosignatureCheck
@_exported import struct LedgerVerify.VerifiedPrefix

// Typed views of the log and their updates (LedgerProjection).
@_exported import class LedgerProjection.Projector
@_exported import struct LedgerProjection.ProjectorOptions
@_exported import struct LedgerProjection.ProjectionError
@_exported import struct LedgerProjection.ViewReader
@_exported import struct LedgerProjection.ViewPosition
@_exported import struct LedgerProjection.ViewUpdate
@_exported import struct LedgerProjection.ChangedRows
@_exported import struct LedgerProjection.PartyView
@_exported import struct LedgerProjection.DatasetView
@_exported import struct LedgerProjection.GrantView
@_exported import struct LedgerProjection.ExchangeView
@_exported import struct LedgerProjection.FlowView
@_exported import struct LedgerProjection.ViolationView
@_exported import struct LedgerProjection.QualityView
@_exported import struct LedgerProjection.AuditFindingView
