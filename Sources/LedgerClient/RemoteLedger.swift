import LedgerCore
import LedgerCrypto
import LedgerStore

/// A ledger served by `flowledger serve` (DESIGN §11), with the shape of the local `Ledger`: a
/// participant's program changes one line to go remote. It trusts nothing it cannot check:
/// - every checkpoint must verify under the operator's key (and carry the witnesses'
///   cosignatures asked for) and be consistent with the latest one it verified before, which it
///   remembers (``RemoteLedgerOptions/checkpointFile``); a server showing two histories is a
///   ``LedgerClientError/Code/splitView`` with both signed checkpoints kept as evidence;
/// - receipts asked with `wait: .checkpoint` come with inclusion proofs it has checked, down to
///   the entry holding exactly the event it sent;
/// - proofs are checked before they are returned;
/// - followed entries are checked as they arrive: seq, `prev` chain, the rules of §7 and the
///   author's signature under the key registered by then, and every checkpoint streamed
///   alongside against the root of the entries received.
///
/// ```swift
/// import FlowLedger
///
/// let ledger = try await RemoteLedger.connect(to: "https://ledger.exchange.example/", key: platformKey)
/// let platform = Participant(id: "ride.example", key: platformKey, origin: ledger.origin)
/// let receipts = try await ledger.append([platform.sign(.exchangeSent(body), id: "x-1")], wait: .checkpoint)
/// print(receipts[0].proof!.text)                  // checked against a verified checkpoint
/// for try await entry in ledger.follow(from: 0) { print(entry.seq, entry.event.type.rawValue) }
/// ```
public final class RemoteLedger: Sendable {
    /// When an append's answer comes.
    public enum Wait: Sendable {
        /// Once every event is durable (the default).
        case durable
        /// Once a published checkpoint covers every event; each receipt carries its checked proof.
        case checkpoint
    }

    /// The ledger's base URL, ending in `/`.
    public let url: String
    /// The ledger's origin.
    public let origin: String
    /// The ledger's crypto suite.
    public let suite: Suite
    let transport: HTTPTransport
    let memory: CheckpointMemory
    let options: RemoteLedgerOptions
    /// The ledger's hash (the suite's).
    var hash: HashAlgorithm { suite.hash }

    /// The most events one append request may carry (DESIGN §11.3).
    public static let maxBatch = 1000

    private init(transport: HTTPTransport, manifest: LedgerManifest, memory: CheckpointMemory, options: RemoteLedgerOptions) {
        self.transport = transport
        self.url = transport.base
        self.origin = manifest.origin
        self.suite = manifest.suite
        self.memory = memory
        self.options = options
    }

    /// Connects to the ledger served at `url`, signing requests with `key` (a registered
    /// party's; nil for a ledger served with `--public-read`, which then only reads). Reads the
    /// ledger's manifest and checks the operator key against ``RemoteLedgerOptions/operatorKey``
    /// when one is given.
    ///
    /// ```swift
    /// let ledger = try await RemoteLedger.connect(to: "https://ledger.exchange.example/", key: try PrivateKey(pem: pem))
    /// ```
    public static func connect(to url: String, key: PrivateKey?, options: RemoteLedgerOptions = RemoteLedgerOptions()) async throws(LedgerClientError) -> RemoteLedger {
        let transport = try HTTPTransport(base: url, key: key, options: options)
        do throws(LedgerClientError) {
            let answer = try await transport.send(.GET, "v1/ledger", what: "reading the ledger's manifest")
            let manifest: LedgerManifest
            do {
                manifest = try LedgerManifest(bytes: answer.body, path: transport.base + "v1/ledger")
            } catch {
                throw LedgerClientError(.malformedAnswer, "\(transport.base) does not serve a FlowLedger ledger: \(error.message)")
            }
            let served: VerifierKey
            do {
                served = try manifest.operatorVerifierKey()
            } catch {
                throw LedgerClientError(.malformedAnswer, "\(transport.base)v1/ledger: the operator key cannot be a note key: \(error.message)")
            }
            if let expected = options.operatorKey, expected != served {
                throw LedgerClientError(.untrustworthy, "\(transport.base) serves ledger \(manifest.origin) with operator key \(served), not the key you gave (\(expected)); is it the right URL? Do not trust it until the operator confirms its key")
            }
            let memory = try CheckpointMemory(operatorKey: served, witnesses: options.witnesses, file: options.checkpointFile)
            return RemoteLedger(transport: transport, manifest: manifest, memory: memory, options: options)
        } catch {
            await transport.shutdown()
            throw error
        }
    }

    /// Closes the connections. A ledger that is no longer referenced closes them too.
    public func close() async { await transport.shutdown() }

    // MARK: - Appending

    /// Appends one signed event; returns once it is durable (or, with `wait: .checkpoint`, once a
    /// checkpoint covers it, with its checked proof). Throws only ``LedgerClientError`` (typed),
    /// whose `violation` names the rule a refused event broke.
    ///
    /// ```swift
    /// let receipt = try await ledger.append(platform.sign(.exchangeSent(body), id: "x-1"))
    /// ```
    public func append(_ event: SignedEvent, wait: Wait = .durable) async throws(LedgerClientError) -> Receipt {
        try await append([event], wait: wait)[0]
    }

    /// Appends a batch of at most ``maxBatch`` events, all or nothing; returns one receipt per
    /// event once all are durable (or covered by a checkpoint, each with its checked proof).
    /// Repeating a batch after a lost answer is safe: the server returns the original receipts.
    ///
    /// ```swift
    /// do {
    ///     let receipts = try await ledger.append([catalog, grant, exchange])
    /// } catch {   // a LedgerClientError: the type says so
    ///     print(error.batchIndex ?? 0, error.violation?.code as Any, error.message)   // nothing was written
    /// }
    /// ```
    public func append(_ events: [SignedEvent], wait: Wait = .durable) async throws(LedgerClientError) -> [Receipt] {
        guard !events.isEmpty else { return [] }
        guard events.count <= Self.maxBatch else {
            throw LedgerClientError(.usage, "a batch of \(events.count) events: a served ledger takes at most \(Self.maxBatch) per request, all or nothing; split the batch")
        }
        var body: [UInt8] = []
        body.reserveCapacity(events.count * 512)
        for event in events {
            body += event.line
            body.append(0x0a)
        }
        let what = "append of \(events.count) event\(events.count == 1 ? "" : "s")"
        let answer = try await transport.send(.POST, wait == .checkpoint ? "v1/entries?wait=checkpoint" : "v1/entries",
                                              body: body, contentType: "application/x-ndjson", what: what)
        let receipts = try ReceiptAnswer.parse(answer.body, count: events.count, withProofs: wait == .checkpoint, what: what)
        guard wait == .checkpoint else { return receipts }
        return try await checkProofs(receipts, events: events)
    }

    /// Checks each receipt's proof: the entry it proves holds exactly the event sent, its leaf
    /// hash is the receipt's, and it is included in a checkpoint this client trusts.
    private func checkProofs(_ receipts: [Receipt], events: [SignedEvent]) async throws(LedgerClientError) -> [Receipt] {
        var trusted: [String: Checkpoint] = [:]
        for (index, receipt) in receipts.enumerated() {
            let proof = receipt.proof!
            let source = "the proof of receipt \(index + 1) (seq \(receipt.seq))"
            let entry = try proven(proof, seq: receipt.seq, source: source)
            guard entry.signed == events[index] else {
                throw LedgerClientError(.untrustworthy, "\(source) is for event \(entry.event.id) by \(entry.event.author), not the event sent (\(events[index].event.id) by \(events[index].event.author)); do not trust this server")
            }
            guard Entry.leafHash(line: proof.extra!, hash: hash) == receipt.leafHash else {
                throw LedgerClientError(.untrustworthy, "\(source): the receipt's hash \(receipt.leafHash.hex) is not the hash of the entry proven; do not trust this server")
            }
            if trusted[proof.checkpoint] == nil {
                trusted[proof.checkpoint] = try await trust(Array(proof.checkpoint.utf8), source: source)
            }
            try requireIncluded(proof, in: trusted[proof.checkpoint]!, source: source)
        }
        return receipts
    }

    // MARK: - Reading

    /// The entries with seqs in `range`, read a page at a time, each checked to be at its seq and
    /// chained to the one before it.
    ///
    /// ```swift
    /// for entry in try await ledger.entries(0..<10) { print(entry.seq, entry.event.type.rawValue) }
    /// ```
    public func entries(_ range: Range<Int64>) async throws(LedgerClientError) -> [Entry] {
        var entries: [Entry] = []
        var previous: Hash32?
        var next = range.lowerBound
        while next < range.upperBound {
            let limit = min(range.upperBound - next, 1000)
            let page = try await lines(from: next, limit: limit)
            guard !page.isEmpty else {
                throw LedgerClientError(.usage, "entries \(range.lowerBound)..<\(range.upperBound): the ledger has only \(next) entries")
            }
            for line in page {
                let entry = try Self.entry(line, seq: next, source: "\(url)v1/entries")
                if let previous, entry.prev != previous {
                    throw LedgerClientError(.untrustworthy, "\(url)v1/entries: entry \(next)'s prev \(entry.prev.hex) is not the hash of entry \(next - 1) (\(previous.hex)); the server's log is broken or forged")
                }
                previous = Entry.leafHash(line: line, hash: hash)
                entries.append(entry)
                next += 1
                if next == range.upperBound { break }
            }
        }
        return entries
    }

    /// The number of durable entries now (the server's size, found by asking for single entries:
    /// about 2·log2(size) small requests).
    ///
    /// ```swift
    /// let size = try await ledger.size()
    /// ```
    public func size() async throws(LedgerClientError) -> Int64 {
        func exists(_ seq: Int64) async throws(LedgerClientError) -> Bool { try await !lines(from: seq, limit: 1).isEmpty }
        guard try await exists(0) else { return 0 }
        var present: Int64 = 0  // exists(present)
        var absent: Int64 = 1   // !exists(absent) once found
        while try await exists(absent) {
            present = absent
            // No honest log reaches 2^62 entries: a server that claims to must not make this trap.
            guard absent <= Int64.max / 4 else {
                throw LedgerClientError(.malformedAnswer, "\(url)v1/entries: the server answers with an entry at every seq asked for, up to \(absent); it is broken or hostile")
            }
            absent *= 2
        }
        while absent - present > 1 {
            let middle = present + (absent - present) / 2
            if try await exists(middle) { present = middle } else { absent = middle }
        }
        return absent
    }

    /// Up to `limit` stored lines from seq `from` (fewer at the end of the log), in an answer of
    /// at most `maxBytes` (by default what `limit` lines of the longest length allowed take).
    func lines(from: Int64, limit: Int64, maxBytes: Int? = nil) async throws(LedgerClientError) -> [[UInt8]] {
        let longest = Int64(CanonicalJSON.maxLineBytes + 1)  // a line and its newline
        let allowed = maxBytes ?? Int(min(limit, Int64(HTTPTransport.maxAnswerBytes) / longest) * longest)
        let path = "v1/entries?from=\(from)&limit=\(limit)"
        let answer = try await transport.send(.GET, path, what: "reading entries from \(from)", maxBytes: allowed)
        let lines = answer.body.split(separator: 0x0a, omittingEmptySubsequences: true)
        if let long = lines.firstIndex(where: { $0.count > CanonicalJSON.maxLineBytes }) {
            throw LedgerClientError(.malformedAnswer, "\(url)\(path): entry \(from + Int64(long)) is \(lines[long].count) bytes, and an entry line is at most \(CanonicalJSON.maxLineBytes); the server is broken or hostile")
        }
        return lines.map(Array.init)
    }

    /// Every entry from `seq` on, then each new one as it is appended, checked as it arrives;
    /// reconnects and resumes by itself until the iterating task stops or is cancelled.
    ///
    /// ```swift
    /// for try await entry in ledger.follow(from: 0) {
    ///     if case .exchangeSent(let sent) = entry.event.body, sent.recipient == "transport.sh" { … }
    /// }
    /// ```
    public func follow(from seq: Int64 = 0) -> RemoteFollower { RemoteFollower(ledger: self, from: seq) }

    // MARK: - Checkpoints and proofs

    /// The latest published checkpoint, verified and checked consistent with the latest one
    /// this client verified before.
    ///
    /// ```swift
    /// let (checkpoint, note) = try await ledger.latestCheckpoint()
    /// ```
    public func latestCheckpoint() async throws(LedgerClientError) -> (checkpoint: Checkpoint, note: String) {
        let answer = try await transport.send(.GET, "checkpoint", what: "reading the latest checkpoint")
        let checkpoint = try await trust(answer.body, source: "\(url)checkpoint")
        return (checkpoint, answer.text)
    }

    /// A tlog-proof that entry `seq` is in the published checkpoint of `checkpointSize` entries
    /// (the latest when nil), checked before it is returned.
    ///
    /// ```swift
    /// try await ledger.inclusionProof(seq: 42).text.write(toFile: "entry-42.tlog-proof", atomically: true, encoding: .utf8)
    /// ```
    public func inclusionProof(seq: Int64, checkpointSize: Int64? = nil) async throws(LedgerClientError) -> TLogProof {
        let path = "v1/proof?seq=\(seq)" + (checkpointSize.map { "&size=\($0)" } ?? "")
        let answer = try await transport.send(.GET, path, what: "asking for the proof of entry \(seq)")
        let source = "\(url)\(path)"
        let proof: TLogProof
        do {
            proof = try TLogProof(text: answer.text)
        } catch {
            throw LedgerClientError(.malformedAnswer, "\(source): not a tlog-proof: \(error.message)")
        }
        _ = try proven(proof, seq: seq, source: source)
        let checkpoint = try await trust(Array(proof.checkpoint.utf8), source: source)
        if let checkpointSize, checkpoint.size != checkpointSize {
            throw LedgerClientError(.malformedAnswer, "\(source): the proof is against a checkpoint of size \(checkpoint.size), not \(checkpointSize)")
        }
        try requireIncluded(proof, in: checkpoint, source: source)
        return proof
    }

    /// A consistency proof between two published checkpoints (`new` = the latest when nil), with
    /// both signed notes; checked before it is returned.
    ///
    /// ```swift
    /// let (proof, oldNote, newNote) = try await ledger.consistencyProof(old: 1000)
    /// ```
    public func consistencyProof(old: Int64, new: Int64? = nil) async throws(LedgerClientError) -> (proof: ConsistencyProof, old: String, new: String) {
        let oldAnswer = try await transport.send(.GET, "v1/checkpoints/\(old)", what: "reading the checkpoint of size \(old)")
        let oldCheckpoint = try await trust(oldAnswer.body, source: "\(url)v1/checkpoints/\(old)")
        let newAnswer = try await transport.send(.GET, new.map { "v1/checkpoints/\($0)" } ?? "checkpoint", what: "reading the newer checkpoint")
        let newCheckpoint = try await trust(newAnswer.body, source: "\(url)\(new.map { "v1/checkpoints/\($0)" } ?? "checkpoint")")
        // A server must not answer one checkpoint for another: the proof would be of other sizes.
        guard oldCheckpoint.size == old else {
            throw LedgerClientError(.malformedAnswer, "\(url)v1/checkpoints/\(old): the server answered the checkpoint of size \(oldCheckpoint.size), not \(old)")
        }
        if let new, newCheckpoint.size != new {
            throw LedgerClientError(.malformedAnswer, "\(url)v1/checkpoints/\(new): the server answered the checkpoint of size \(newCheckpoint.size), not \(new)")
        }
        guard oldCheckpoint.size <= newCheckpoint.size else {
            throw LedgerClientError(.usage, "old size \(old) is larger than the new checkpoint's size \(newCheckpoint.size)")
        }
        let proof = try await consistencyPath(old: oldCheckpoint.size, new: newCheckpoint.size)
        do {
            try proof.verify(old: oldCheckpoint, new: newCheckpoint, hash: hash)
        } catch {
            throw LedgerClientError(.untrustworthy, "\(url)v1/consistency?old=\(old)&new=\(newCheckpoint.size): the proof does not verify: \(error); keep both checkpoints as evidence")
        }
        return (proof, oldAnswer.text, newAnswer.text)
    }

    /// The operator's verifier key, as regulators use it to check checkpoints and proofs.
    public func verifierKey() -> VerifierKey { memory.operatorKey }

    /// The checkpoint in `bytes`, once it verifies and is consistent with the one remembered
    /// (fetching the consistency proof between them); the larger is remembered.
    func trust(_ bytes: [UInt8], source: String) async throws(LedgerClientError) -> Checkpoint {
        let offered = try memory.open(bytes, source: source)
        var base = memory.latest
        while true {
            var path: [Hash32] = []
            if let base, base.checkpoint.size != offered.checkpoint.size {
                let sizes = [base.checkpoint.size, offered.checkpoint.size].sorted()
                do {
                    path = try await consistencyPath(old: sizes[0], new: sizes[1]).path
                } catch {
                    // A server that no longer admits to a checkpoint it signed: the proof is made
                    // here from its own entries, so a forked history still shows as one.
                    guard error.wire?.status == 404 else { throw error }
                    path = try await consistencyPathFromEntries(old: sizes[0], new: sizes[1])
                }
            }
            switch try memory.check(offered, against: base, proof: path) {
            case .consistent(let checkpoint): return checkpoint
            case .moved(let now): base = now
            }
        }
    }

    /// The server's consistency proof between sizes `old` and `new` (not yet verified).
    private func consistencyPath(old: Int64, new: Int64) async throws(LedgerClientError) -> ConsistencyProof {
        let path = "v1/consistency?old=\(old)&new=\(new)"
        let answer = try await transport.send(.GET, path, what: "asking for the consistency proof from size \(old) to \(new)")
        do {
            return try ConsistencyProof(text: answer.text, old: old, new: new)
        } catch {
            throw LedgerClientError(.malformedAnswer, "\(url)\(path): not a consistency proof: \(error.message)")
        }
    }

    /// The consistency proof between sizes `old` and `new` of the tree over the server's own
    /// entries, read from genesis (costly: only when the server has no checkpoint of one size).
    private func consistencyPathFromEntries(old: Int64, new: Int64) async throws(LedgerClientError) -> [Hash32] {
        var frontier = TreeFrontier()
        var tree = StoredHashArray()
        while frontier.size < new {
            let page = try await lines(from: frontier.size, limit: min(new - frontier.size, 1000))
            guard !page.isEmpty else {
                throw LedgerClientError(.untrustworthy, "\(url): the server signed a checkpoint of size \(new) but serves only \(frontier.size) entries; do not trust it")
            }
            for line in page {
                // The frontier reads only itself; it returns the stored hashes in stored order.
                tree.hashes += try! frontier.append(leafHash: Entry.leafHash(line: line, hash: hash), hash: hash)
            }
        }
        do {
            return try MerkleTree.consistencyProof(old: old, new: new, reader: tree, hash: hash)
        } catch {
            throw LedgerClientError(.malformedAnswer, "\(url): cannot make the consistency proof from size \(old) to \(new) from the entries served: \(error)")
        }
    }

    /// The entry a tlog-proof carries, checked to be entry `seq` at index `seq`.
    private func proven(_ proof: TLogProof, seq: Int64, source: String) throws(LedgerClientError) -> Entry {
        guard let extra = proof.extra, proof.index == seq else {
            throw LedgerClientError(.malformedAnswer, "\(source): the proof is for index \(proof.index), not seq \(seq), or carries no entry line")
        }
        return try Self.entry(extra, seq: seq, source: source)
    }

    /// Throws unless the proof's path takes its entry's leaf hash to `checkpoint`'s root.
    private func requireIncluded(_ proof: TLogProof, in checkpoint: Checkpoint, source: String) throws(LedgerClientError) {
        do {
            try MerkleTree.verifyInclusion(index: proof.index, size: checkpoint.size, leafHash: Entry.leafHash(line: proof.extra!, hash: hash),
                                           proof: proof.path, root: checkpoint.root, hash: hash)
        } catch {
            throw LedgerClientError(.untrustworthy, "\(source): entry \(proof.index) is NOT proven to be in checkpoint \(checkpoint.origin) size \(checkpoint.size) root \(checkpoint.root.base64): \(error); do not trust this server's receipt")
        }
    }

    /// `line` as an entry that must have seq `seq`.
    static func entry(_ line: [UInt8], seq: Int64, source: String) throws(LedgerClientError) -> Entry {
        let entry: Entry
        do {
            entry = try Entry(line: line)
        } catch {
            throw LedgerClientError(.malformedAnswer, "\(source): entry \(seq) is not an entry line: \(error)")
        }
        guard entry.seq == seq else {
            throw LedgerClientError(.untrustworthy, "\(source): expected entry \(seq), the server sent seq \(entry.seq)")
        }
        return entry
    }
}
