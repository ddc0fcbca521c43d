import LedgerCore
import LedgerCrypto
import LedgerStore

/// A ledger directory opened by a participant's or operator's program: append signed events,
/// read entries, follow new ones, publish checkpoints and produce proofs.
///
/// It is the ledger's one writer while open (an OS lock keeps others out); readers elsewhere —
/// `flowledger tail`, `verify`, `prove` — work at the same time.
///
/// ```swift
/// import FlowLedger
///
/// let operatorKey = try PrivateKey.generate(suite: .ed25519SHA256)
/// let ledger = try Ledger.create(at: "/tmp/exchange", origin: "exchange.sh.gov.example/2026",
///                                operatorID: "ops.exchange", operatorName: "Exchange operator", operatorKey: operatorKey)
/// let registrar = Participant(id: "ops.exchange", key: operatorKey, origin: ledger.origin)
/// let receipt = try await ledger.append(registrar.sign(.partyRegistered(PartyRegisteredBody(
///     party: "ride.example", name: "Ride platform", kind: .enterprise, roles: [.provider],
///     key: platformKey.publicKey)), id: "register-ride"))
/// let checkpoint = try ledger.checkpoint(operatorKey: operatorKey)
/// let proof = try ledger.inclusionProof(seq: receipt.seq)      // against the latest checkpoint
/// ```
public final class Ledger: Sendable {
    /// The writer (appends, checkpoints).
    package let writer: LedgerWriter
    private let reader: LedgerReader

    private init(writer: LedgerWriter) throws {
        self.writer = writer
        self.reader = try writer.reader()
    }

    /// Creates a ledger at `directory` with its genesis entry, signed by `operatorKey` and
    /// timestamped `genesisTime` (now by default; fixed by fixture generators so their output is
    /// reproducible); the suite follows the key.
    ///
    /// ```swift
    /// let ledger = try Ledger.create(at: "/var/lib/flowledger/exchange", origin: "exchange.sh.gov.example/2026",
    ///                                operatorID: "ops.exchange", operatorKey: try PrivateKey(pem: pem))
    /// ```
    public static func create(at directory: String, origin: String, operatorID: String, operatorName: String? = nil,
                              operatorKey: PrivateKey, genesisTime: Timestamp = .now(), options: WriterOptions = WriterOptions()) throws -> Ledger {
        let genesis = try Event(
            id: "genesis", author: operatorID, keyID: operatorKey.publicKey.keyID, at: genesisTime,
            body: .genesis(GenesisBody(origin: origin, suite: operatorKey.suite,
                                       operator: .init(party: operatorID, name: operatorName ?? operatorID, key: operatorKey.publicKey))))
        let signed = try SignedEvent(event: genesis, origin: origin, signer: operatorKey)
        return try Ledger(writer: LedgerWriter.create(directory: directory, genesis: signed, options: options))
    }

    /// Opens an existing ledger as its writer (recovering from a crash if needed; see
    /// ``LedgerWriter/recovery``).
    ///
    /// ```swift
    /// let ledger = try Ledger.open(at: "/var/lib/flowledger/exchange")
    /// if !ledger.writer.recovery.isClean { print("recovered: \(ledger.writer.recovery)") }
    /// ```
    public static func open(at directory: String, options: WriterOptions = WriterOptions()) throws -> Ledger {
        try Ledger(writer: LedgerWriter.open(directory: directory, options: options))
    }

    /// The ledger's origin.
    public var origin: String { writer.manifest.origin }
    /// The ledger's crypto suite.
    public var suite: Suite { writer.manifest.suite }
    /// The number of durable entries.
    public var size: Int64 { writer.size }

    /// Appends one signed event; returns once it is durable. Throws only ``StoreError`` (typed),
    /// whose `violation` names the rule a refused event broke.
    ///
    /// ```swift
    /// let receipt = try await ledger.append(platform.sign(.exchangeSent(body), id: "x-1"))
    /// print(receipt)   // {"hash":"…","seq":42}
    /// ```
    public func append(_ event: SignedEvent) async throws(StoreError) -> Receipt {
        try await writer.append([event])[0]
    }

    /// Appends a batch, all or nothing; returns once all are durable. Throws only ``StoreError``
    /// (typed): `batchIndex` says which event was refused.
    ///
    /// ```swift
    /// do {
    ///     let receipts = try await ledger.append([catalog, grant, exchange])
    /// } catch {   // a StoreError: the type says so
    ///     print(error.batchIndex ?? 0, error.violation?.code as Any, error.message)   // nothing was written
    /// }
    /// ```
    public func append(_ events: [SignedEvent]) async throws(StoreError) -> [Receipt] {
        try await writer.append(events)
    }

    /// The entries with seqs in `range`.
    ///
    /// ```swift
    /// for entry in try ledger.entries(0..<10) { print(entry.seq, entry.event.type.rawValue) }
    /// ```
    public func entries(_ range: Range<Int64>) throws -> [Entry] {
        try reader.refresh()
        return try range.map { seq throws(StoreError) in try reader.entry(at: seq) }
    }

    /// Every entry from `seq` on, then each new one as it is appended (by this process or
    /// another), until the iterating task stops or is cancelled.
    ///
    /// ```swift
    /// for try await entry in ledger.follow(from: ledger.size) {
    ///     if case .exchangeSent(let sent) = entry.event.body, sent.recipient == "transport.sh" { … }
    /// }
    /// ```
    public func follow(from seq: Int64 = 0) -> EntryFollower { EntryFollower(reader: reader, from: seq) }

    /// Signs a checkpoint of the current size with the operator key and publishes it; when the
    /// latest published checkpoint is of this size already, returns that one as it is (with any
    /// witnesses' cosignatures) instead.
    /// - Returns: the checkpoint and its signed note text.
    ///
    /// ```swift
    /// let (checkpoint, note) = try ledger.checkpoint(operatorKey: operatorKey)
    /// print(checkpoint.size, note)
    /// ```
    @discardableResult
    public func checkpoint(operatorKey: PrivateKey) throws -> (checkpoint: Checkpoint, note: String) {
        try writer.checkpoint(operatorKey: operatorKey)
    }

    /// A tlog-proof (c2sp.org/tlog-proof@v1) that entry `seq` is in the published checkpoint of
    /// `checkpointSize` entries (the latest when nil), checked before it is returned.
    ///
    /// ```swift
    /// try ledger.inclusionProof(seq: 42).text.write(toFile: "entry-42.tlog-proof", atomically: true, encoding: .utf8)
    /// ```
    public func inclusionProof(seq: Int64, checkpointSize: Int64? = nil) throws -> TLogProof {
        try ProofService(reader: reader).inclusionProof(seq: seq, checkpointSize: checkpointSize)
    }

    /// A consistency proof between two published checkpoints (`new` = the latest when nil).
    ///
    /// ```swift
    /// let (proof, oldNote, newNote) = try ledger.consistencyProof(old: 1000)
    /// print(proof.text)   // one base64 hash per line
    /// ```
    public func consistencyProof(old: Int64, new: Int64? = nil) throws -> (proof: ConsistencyProof, old: String, new: String) {
        try ProofService(reader: reader).consistencyProof(old: old, new: new)
    }

    /// The operator's verifier key, as regulators use it to check checkpoints and proofs.
    ///
    /// ```swift
    /// print(try ledger.verifierKey())   // exchange.sh.gov.example/2026+55d21eba+AY09…
    /// ```
    public func verifierKey() throws -> VerifierKey { try reader.checkpoints.operatorVerifierKey() }

    /// Waits for queued appends, then releases the writer lock.
    public func close() { writer.close() }
}
