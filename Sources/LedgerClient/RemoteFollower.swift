import AsyncHTTPClient
import LedgerCore
import LedgerCrypto
import LedgerStore
import LedgerVerify
import NIOCore

/// A served ledger's entries from a seq on, then each new one as it is appended
/// (`GET v1/events`), checked as they arrive, until the iterating task stops or is cancelled.
/// When the connection breaks or the server restarts, it reconnects and resumes by itself
/// after the last entry it handed out.
///
/// What it checks on every entry: its seq is the next one and its `prev` is the hash of the
/// entry before. With ``verifying(_:)`` on (the default) it also replays the ledger from
/// genesis, as `flowledger tail --verify` does: the rules of §7 and each author's signature
/// under the key registered by then; the entries before the starting seq are checked but not
/// handed out, so following from the end of a large ledger first reads all of it. And every
/// checkpoint streamed alongside must verify, be consistent with the latest one the client
/// verified, and (when verifying) have the root of the entries received. A failed check ends
/// the sequence with a ``LedgerClientError`` after the entries before it.
public struct RemoteFollower: AsyncSequence, Sendable {
    /// Each entry.
    public typealias Element = Entry

    let ledger: RemoteLedger
    let start: Int64
    let verify: Bool
    /// When set, the follower gives up instead of reconnecting for ever (see ``Patience``).
    let patience: Patience?
    /// Told of each reconnect that follows a failure (not of a stream's routine renewal).
    let onTrouble: (@Sendable (_ attempt: Int, _ reason: String) -> Void)?

    init(ledger: RemoteLedger, from start: Int64, verify: Bool = true, patience: Patience? = nil,
         onTrouble: (@Sendable (_ attempt: Int, _ reason: String) -> Void)? = nil) {
        self.ledger = ledger
        self.start = start
        self.verify = verify
        self.patience = patience
        self.onTrouble = onTrouble
    }

    /// The same follower, replaying and checking from genesis (`true`, the default) or checking
    /// only seq and `prev` from the starting entry on (`false`: cheap, but an entry's signature
    /// and rules go unchecked).
    public func verifying(_ on: Bool) -> RemoteFollower {
        RemoteFollower(ledger: ledger, from: start, verify: on, patience: patience, onTrouble: onTrouble)
    }

    /// How long a follower that must come to an end (`tail URL` without `-f`) waits for the
    /// entries it still expects: it stops with an error once `attempts` connections in a row
    /// brought none, a connection counting as failed when it cannot be opened, breaks, or
    /// brings nothing but keep-alive comments for `stall`. (A follower without patience
    /// reconnects for as long as it is iterated, as a live follower must.)
    package struct Patience: Sendable {
        /// Connections in a row without an entry before giving up.
        package var attempts: Int
        /// How long an open stream may bring no entry before it counts as failed.
        package var stall: Duration

        /// Patience of `attempts` connections and `stall` each.
        package init(attempts: Int, stall: Duration) {
            self.attempts = attempts
            self.stall = stall
        }
    }

    /// The same follower, giving up as `patience` says instead of reconnecting for ever.
    package func patient(_ patience: Patience) -> RemoteFollower {
        RemoteFollower(ledger: ledger, from: start, verify: verify, patience: patience, onTrouble: onTrouble)
    }

    /// The same follower, calling `report` before each reconnect that follows a failure (the
    /// server cannot be reached or refuses, a stream stalled), so a live follower can say so.
    package func reportingTrouble(_ report: @escaping @Sendable (_ attempt: Int, _ reason: String) -> Void) -> RemoteFollower {
        RemoteFollower(ledger: ledger, from: start, verify: verify, patience: patience, onTrouble: report)
    }

    /// Entries one at a time.
    public func makeAsyncIterator() -> Iterator { Iterator(batches: batches.makeAsyncIterator()) }

    /// Entries in the batches they arrived in, with their stored lines (for printing them
    /// byte for byte and hashing them without encoding them again).
    public var batches: Batches { Batches(follower: self) }

    /// Iterates entries.
    public struct Iterator: AsyncIteratorProtocol {
        var batches: Batches.Iterator
        var pending: [Entry] = []
        var index = 0

        /// The next entry; nil once the iterating task is cancelled.
        public mutating func next() async throws -> Entry? {
            while index == pending.count {
                guard let batch = try await batches.next() else { return nil }
                pending = batch.map(\.entry)
                index = 0
            }
            defer { index += 1 }
            return pending[index]
        }
    }

    /// The entries in batches.
    public struct Batches: AsyncSequence, Sendable {
        /// A batch of consecutive entries, oldest first.
        public typealias Element = [StoredEntry]
        let follower: RemoteFollower

        /// Iterates batches.
        public func makeAsyncIterator() -> Iterator { Iterator(follower: follower) }

        /// Reads the stream, checks what it holds, and reconnects when it breaks.
        public struct Iterator: AsyncIteratorProtocol {
            let ledger: RemoteLedger
            let start: Int64
            /// The replay from genesis, when verifying.
            var verifier: IncrementalVerifier?
            /// The tree of the entries received, when verifying: roots to check checkpoints by.
            var frontier = TreeFrontier()
            /// Roots of the last ``Self/rootsKept`` tree sizes.
            var roots: [Int64: Hash32] = [:]
            static let rootsKept: Int64 = 4096
            /// Roots signed by checkpoints larger than the entries received so far, by size: each
            /// is compared with the entries' root once they reach it. A server may announce a
            /// checkpoint before the entries it covers, or have published it before the stream
            /// opened; either way the entries must come to that root.
            var ahead: [Int64: Hash32] = [:]
            /// The most checkpoints kept ahead; beyond it the smallest is dropped (a larger one
            /// covers every entry a smaller one does, only later).
            static let aheadKept = 64
            /// The next seq the stream must bring.
            var next: Int64
            /// The leaf hash of entry `next - 1`, once one was received.
            var previousLeaf: Hash32?
            var body: HTTPClientResponse.Body.AsyncIterator?
            var parser = EventStreamParser()
            /// A failure found after entries that are still to be handed out.
            var failure: LedgerClientError?
            var reconnects = 0
            let patience: Patience?
            let onTrouble: (@Sendable (_ attempt: Int, _ reason: String) -> Void)?
            /// Connections in a row that brought no entry (for ``patience``).
            var fruitless = 0
            /// Whether the current connection brought an entry.
            var fruitful = false
            /// When the last entry arrived, or the stream was opened.
            var lastProgress = ContinuousClock.now

            init(follower: RemoteFollower) {
                ledger = follower.ledger
                start = follower.start
                patience = follower.patience
                onTrouble = follower.onTrouble
                next = follower.verify ? 0 : follower.start
                if follower.verify { verifier = IncrementalVerifier(origin: ledger.origin, hash: ledger.hash) }
            }

            /// The next batch of checked entries; nil once the iterating task is cancelled.
            public mutating func next() async throws -> [StoredEntry]? {
                if let failure { throw failure }
                while !Task.isCancelled {
                    if body == nil {
                        do {
                            body = try await ledger.transport.open("v1/events?from=\(next)", lastEventID: nil, what: "following \(ledger.url)v1/events").body.makeAsyncIterator()
                            if verifier != nil { try await checkLatestCheckpoint() }
                            lastProgress = .now
                        } catch {
                            // Not followed until the checkpoint check passed: a server that stalls
                            // its `GET checkpoint` must not skip it.
                            body = nil
                            // A stream ends when its signature expires, so a follower reconnects
                            // every minute or so: a busy server's 503 or 429 then is a pause, not an end.
                            let status = error.wire?.status
                            guard error.code == .unreachable || (error.code == .refused && (status == 503 || status == 429)) else { throw error }
                            try await reconnect(after: error.message, trouble: true)
                            continue
                        }
                    }
                    let chunk: ByteBuffer?
                    do {
                        chunk = try await body!.next()
                    } catch {
                        chunk = nil
                    }
                    guard let chunk else {
                        // The server closed the stream (stopping, or its signature expired) or the
                        // connection broke: resume.
                        try await reconnect(after: "\(ledger.url)v1/events: the stream ended before entry \(next)", trouble: false)
                        continue
                    }
                    reconnects = 0
                    let events: [EventStreamParser.Event]
                    do {
                        events = try parser.feed(chunk.readableBytesView)
                    } catch {
                        throw LedgerClientError(.malformedAnswer, "\(ledger.url)v1/events: a line longer than \(EventStreamParser.maxLineBytes) bytes, or an event of more than \(EventStreamParser.maxEventBytes) bytes; this is not a FlowLedger event stream")
                    }
                    var ready: [StoredEntry] = []
                    do {
                        try await take(events, into: &ready)
                    } catch {
                        if ready.isEmpty { throw error }
                        failure = error
                    }
                    if !ready.isEmpty {
                        fruitful = true
                        lastProgress = .now
                    } else if let patience, ContinuousClock.now - lastProgress > patience.stall {
                        try await reconnect(after: "\(ledger.url)v1/events: no entry for \(patience.stall.components.seconds) s, only keep-alive comments", trouble: true)
                        continue
                    }
                    let shown = ready.drop { $0.seq < start }
                    if !shown.isEmpty { return Array(shown) }
                    if let failure { throw failure }
                }
                return nil
            }

            /// Drops the stream and waits before the next connection; with ``patience``, gives up
            /// once too many connections in a row brought no entry. `trouble` is a failure worth
            /// telling (the routine end of a stream is not).
            private mutating func reconnect(after reason: String, trouble: Bool) async throws(LedgerClientError) {
                body = nil
                parser = EventStreamParser()
                reconnects += 1
                // Only a connection (or an attempt at one) that brought no entry counts.
                fruitless = fruitful ? 0 : fruitless + 1
                fruitful = false
                if let patience, fruitless >= patience.attempts {
                    throw LedgerClientError(.unreachable, "\(ledger.url)v1/events: \(fruitless) connections in a row brought no entry from seq \(next) on (the last: \(reason)); the server is stalled or unreachable: check it, then run this again")
                }
                if trouble { onTrouble?(reconnects, reason) }
                await HTTPTransport.pause(attempt: reconnects, retryAfter: nil)
            }

            /// Checks `events` in order; appends the entries that hold to `ready`.
            private mutating func take(_ events: [EventStreamParser.Event], into ready: inout [StoredEntry]) async throws(LedgerClientError) {
                var received: [StoredEntry] = []
                for event in events {
                    switch event.type {
                    case "entry":
                        do {
                            received.append(try entry(event))
                        } catch {
                            // The entries before it are handed out first (or an earlier break wins).
                            try settle(&received, into: &ready)
                            throw error
                        }
                    case "checkpoint":
                        try settle(&received, into: &ready)
                        try await check(checkpoint: event.data)
                    default:
                        continue
                    }
                }
                try settle(&received, into: &ready)
            }

            /// An `entry` event as the stored entry `next`, chained to the one before.
            private mutating func entry(_ event: EventStreamParser.Event) throws(LedgerClientError) -> StoredEntry {
                let source = "\(ledger.url)v1/events"
                let entry = try RemoteLedger.entry(event.data, seq: next, source: source)
                if let previousLeaf, entry.prev != previousLeaf {
                    throw LedgerClientError(.untrustworthy, "\(source): entry \(next)'s prev \(entry.prev.hex) is not the hash of entry \(next - 1) (\(previousLeaf.hex)); the server's log is broken or forged")
                }
                let leaf = Entry.leafHash(line: event.data, hash: ledger.hash)
                previousLeaf = leaf
                next += 1
                if verifier != nil {
                    try! frontier.append(leafHash: leaf, hash: ledger.hash)  // reads only the frontier
                    let size = frontier.size
                    let root = try! MerkleTree.rootHash(size: size, reader: frontier, hash: ledger.hash)
                    roots[size] = root
                    roots[size - Self.rootsKept] = nil
                    if let signed = ahead.removeValue(forKey: size), signed != root {
                        throw Self.forked(size: size, signed: signed, streamed: root, source: "\(ledger.url)checkpoint of size \(size)")
                    }
                }
                return StoredEntry(entry: entry, line: event.data)
            }

            /// Runs the replay over `received` (when verifying) and moves the entries that hold to `ready`.
            private mutating func settle(_ received: inout [StoredEntry], into ready: inout [StoredEntry]) throws(LedgerClientError) {
                guard !received.isEmpty else { return }
                defer { received.removeAll() }
                guard verifier != nil else {
                    ready += received
                    return
                }
                let (valid, violation) = verifier!.check(received)
                ready += received.prefix(valid)
                if let violation {
                    throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/events: the ledger does not verify at seq \(violation.seq): \(violation); the entries before it verify; run `flowledger mirror` or `flowledger verify` on a copy for a full report",
                                            violation: violation)
                }
            }

            /// A streamed checkpoint: it must verify and be consistent with the one remembered,
            /// and have the root of the entries received (now, or once they reach its size).
            private mutating func check(checkpoint data: [UInt8]) async throws(LedgerClientError) {
                let source = "\(ledger.url)v1/events (checkpoint)"
                try compare(try await ledger.trust(data + [0x0a], source: source), source: source)
            }

            /// The latest published checkpoint, checked as a streamed one: the server streams
            /// only those published after the stream opens, and an idle ledger publishes none.
            private mutating func checkLatestCheckpoint() async throws(LedgerClientError) {
                let latest: Checkpoint
                do {
                    latest = try await ledger.latestCheckpoint().checkpoint
                } catch {
                    if error.code == .refused, error.wire?.status == 404 { return }  // none published yet
                    throw error
                }
                try compare(latest, source: "\(ledger.url)checkpoint")
            }

            /// Compares a trusted checkpoint with the root of the entries received at its size,
            /// or keeps it ``ahead`` until they reach it.
            private mutating func compare(_ checkpoint: Checkpoint, source: String) throws(LedgerClientError) {
                if checkpoint.size > frontier.size {
                    ahead[checkpoint.size] = checkpoint.root
                    if ahead.count > Self.aheadKept, let smallest = ahead.keys.min() { ahead[smallest] = nil }
                } else if let root = roots[checkpoint.size], root != checkpoint.root {
                    throw Self.forked(size: checkpoint.size, signed: checkpoint.root, streamed: root, source: source)
                }
            }

            /// The server signed one history and streams another.
            private static func forked(size: Int64, signed: Hash32, streamed: Hash32, source: String) -> LedgerClientError {
                LedgerClientError(.untrustworthy, "\(source): checkpoint size \(size) signs root \(signed.base64), but the \(size) entries the server streamed have root \(streamed.base64); the server signs a history other than the one it shows; keep this checkpoint as evidence")
            }
        }
    }
}
