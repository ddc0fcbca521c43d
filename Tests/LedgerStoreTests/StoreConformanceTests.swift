import FlowLedger
import Foundation
import LedgerCore
import LedgerCrypto
import LedgerPostgres
@testable import LedgerStore
import LedgerTestSupport
import Testing

/// One suite for every store behind ``LogAppender`` and ``LogReader``: the segment files and the
/// in-memory store and the PostgreSQL store (a real cluster, a database per test) run the same
/// tests through the same ``Sequencer``. Each test names what the contract promises.
@Suite("Store conformance (StoreConformance)")
struct StoreConformanceTests {
    /// A kind of store the suite runs against.
    enum Backend: String, CaseIterable, CustomTestStringConvertible {
        case segments
        case memory
        case postgres

        var testDescription: String { rawValue }
    }

    /// One store of a backend, as a test uses it: made empty, reopened, its snapshot forgotten.
    final class Subject: @unchecked Sendable {  // used by one test at a time
        let backend: Backend
        let scenario: Scenario
        private let memory: MemoryStore
        /// The database of a postgres subject.
        private let database: (cluster: PostgresCluster, name: String)?

        init(_ backend: Backend) throws {
            self.backend = backend
            scenario = try Scenario()
            memory = MemoryStore(manifest: LedgerManifest(origin: scenario.origin, suite: scenario.suite, operatorKey: scenario.operatorKey.publicKey))
            if backend == .postgres {
                let cluster = try PostgresCluster.shared()
                database = (cluster, try cluster.freshDatabase("conformance"))
            } else {
                database = nil
            }
        }

        var address: PostgresAddress { get throws { try PostgresAddress(database!.cluster.url(database: database!.name)) } }

        var manifest: LedgerManifest { LedgerManifest(origin: scenario.origin, suite: scenario.suite, operatorKey: scenario.operatorKey.publicKey) }

        /// The store, opened for appending (a new appender each call).
        func open(create: Bool = false) throws -> any LogAppender {
            switch backend {
            case .segments:
                return create ? try SegmentStore.create(directory: scenario.directory, manifest: manifest, options: WriterOptions())
                    : try SegmentStore.open(directory: scenario.directory, options: WriterOptions())
            case .memory:
                return memory
            case .postgres:
                return create ? try PostgresStore.create(address: try address, manifest: manifest, writerName: "conformance")
                    : try PostgresStore.open(address: try address, writerName: "conformance")
            }
        }

        /// A sequencer over a newly opened store.
        func sequencer(create: Bool = false) throws -> Sequencer {
            try Sequencer(store: try open(create: create), name: "\(backend) store", options: WriterOptions())
        }

        /// A new log with genesis and the scene (6 entries), through a sequencer left open.
        func created() throws -> Sequencer {
            let sequencer = try self.sequencer(create: true)
            let genesis = try SignedEvent(event: Event(id: "genesis", author: "ops.exchange", keyID: scenario.operatorKey.publicKey.keyID, at: Scenario.at,
                                                       body: .genesis(GenesisBody(origin: scenario.origin, suite: scenario.suite,
                                                                                  operator: .init(party: "ops.exchange", name: "Exchange operator", key: scenario.operatorKey.publicKey)))),
                                          origin: scenario.origin, signer: scenario.operatorKey)
            _ = try sequencer.appendBlocking([genesis])
            _ = try sequencer.appendBlocking(scenario.setUpEvents())
            return sequencer
        }

        /// Makes the next open replay every entry.
        func forgetSnapshot() throws {
            switch backend {
            case .segments: try FileManager.default.removeItem(atPath: LedgerLayout(directory: scenario.directory).writerState)
            case .memory: memory.forgetSnapshot()
            case .postgres: try database!.cluster.psql("DELETE FROM writer_snapshot", database: database!.name)
            }
        }

        func remove() { scenario.removeAll() }
    }

    /// RFC 9162 §2.1.1 MTH, computed directly from the leaf hashes, to check the store's stored hashes against.
    private func merkleRoot(_ leaves: ArraySlice<Hash32>, _ hash: HashAlgorithm) -> Hash32 {
        if leaves.count == 1 { return leaves.first! }
        var split = 1
        while split * 2 < leaves.count { split *= 2 }
        var context = HashContext(hash)  // MTH(D[n]) = H(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
        context.update(byte: 0x01)
        context.update(merkleRoot(leaves.prefix(split), hash))
        context.update(merkleRoot(leaves.dropFirst(split), hash))
        return context.finish()
    }

    @Test(arguments: Backend.allCases)
    func committedLinesReadBackByteForByteWithTheirTreeHashes(backend: Backend) throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        defer { sequencer.close() }
        let receipts = try sequencer.appendBlocking((0..<9).map { try subject.scenario.exchange($0) })
        let store = sequencer.store
        #expect(try store.size() == 15)
        let lines = try store.lines(in: 0..<15)
        let hash = subject.scenario.suite.hash
        let leaves = lines.map { Entry.leafHash(line: $0, hash: hash) }
        for (receipt, leaf) in zip(receipts, leaves[6...]) { #expect(receipt.leafHash == leaf) }
        for (seq, line) in lines.enumerated() {
            let entry = try Entry(line: line)
            #expect(entry.seq == Int64(seq))
            #expect(seq == 0 || entry.prev == leaves[seq - 1])
        }
        for size in 1...15 {
            #expect(try MerkleTree.rootHash(size: Int64(size), reader: store, hash: hash) == merkleRoot(leaves[0..<size], hash), "size \(size)")
        }
        #expect(throws: StoreError.self) { try store.lines(in: 14..<16) }
    }

    @Test(arguments: Backend.allCases)
    func aRefusedBatchLeavesNothingAndARepeatGetsItsOriginalReceipt(backend: Backend) throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        defer { sequencer.close() }
        let first = try sequencer.appendBlocking([try subject.scenario.exchange(1)])[0]
        let before = try sequencer.store.lines(in: 0..<7)
        let unknown = try subject.scenario.platform.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "nope", digest: String(repeating: "0", count: 64), records: 1)), id: "ack-nope", at: Scenario.at)
        let refusal = try #require(throws: StoreError.self) { try sequencer.appendBlocking([try subject.scenario.exchange(2), unknown]) }
        #expect(refusal.batchIndex == 1 && refusal.violation?.code == .unknownReference, "\(refusal)")
        #expect(try sequencer.store.size() == 7 && sequencer.store.lines(in: 0..<7) == before)
        #expect(try sequencer.appendBlocking([try subject.scenario.exchange(1)])[0] == first)
        let conflicting = try subject.scenario.platform.sign(.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .open, level: .general, reason: "r")), id: "x-1", at: Scenario.at)
        #expect(throws: StoreError.self) { try sequencer.appendBlocking([conflicting]) }
        #expect(try sequencer.store.size() == 7)
    }

    @Test(arguments: Backend.allCases)
    func reopeningResumesFromTheSnapshotAndRemembersHistory(backend: Backend) throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        let receipts = try sequencer.appendBlocking((0..<4).map { try subject.scenario.exchange($0) })
        sequencer.close()

        let reopened = try subject.sequencer()
        #expect(reopened.recovery.resumedAt == 10 && reopened.recovery.replayedEntries == 0, "\(reopened.recovery)")
        #expect(try reopened.appendBlocking([try subject.scenario.exchange(2)])[0] == receipts[2])
        let ack = try subject.scenario.transport.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "x-3", digest: subject.scenario.suite.hash.hash(Array("payload 3".utf8)).hex, records: 3)), id: "ack-3", at: Scenario.at)
        #expect(try reopened.appendBlocking([ack])[0].seq == 10)
        reopened.close()

        // A second close and open keeps what the first kept and the acknowledgement since.
        let twice = try subject.sequencer()
        #expect(twice.recovery.resumedAt == 11 && twice.recovery.replayedEntries == 0, "\(twice.recovery)")
        let early = try subject.scenario.transport.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "x-3", digest: subject.scenario.suite.hash.hash(Array("payload 3".utf8)).hex, records: 3)), id: "ack-3-early", at: Scenario.at)
        let acknowledged = try #require(throws: StoreError.self) { try twice.appendBlocking([early]) }
        #expect(acknowledged.violation?.code == .alreadyExists, "\(acknowledged)")
        #expect(try twice.appendBlocking([try subject.scenario.exchange(1)])[0] == receipts[1])
        twice.close()

        try subject.forgetSnapshot()
        let replayed = try subject.sequencer()
        defer { replayed.close() }
        #expect(replayed.recovery.resumedAt == nil && replayed.recovery.replayedEntries == 11, "\(replayed.recovery)")
        let again = try subject.scenario.transport.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "x-3", digest: subject.scenario.suite.hash.hash(Array("payload 3".utf8)).hex, records: 3)), id: "ack-3-again", at: Scenario.at)
        let refusal = try #require(throws: StoreError.self) { try replayed.appendBlocking([again]) }
        #expect(refusal.violation?.code == .alreadyExists, "\(refusal)")
        #expect(try replayed.appendBlocking([try subject.scenario.exchange(0)])[0] == receipts[0])
    }

    @Test(arguments: Backend.allCases)
    func aSecondAppenderIsRefusedWhileTheFirstHoldsTheLog(backend: Backend) throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        let error = try #require(throws: StoreError.self) { try subject.sequencer() }
        #expect(error.code == .locked, "\(error)")
        // A refused open does not release what the first holds.
        #expect(throws: StoreError.self) { try subject.sequencer() }
        sequencer.close()
        try subject.sequencer().close()
    }

    @Test(arguments: Backend.allCases)
    func publishedCheckpointsReadBackExactlyAndVerify(backend: Backend) throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        defer { sequencer.close() }
        let (early, earlyNote) = try sequencer.checkpoint(operatorKey: subject.scenario.operatorKey)
        _ = try sequencer.appendBlocking([try subject.scenario.exchange(0)])
        let (late, lateNote) = try sequencer.checkpoint(operatorKey: subject.scenario.operatorKey)
        #expect(try sequencer.store.checkpointNote(size: 6) == earlyNote)
        #expect(try sequencer.store.checkpointNote(size: nil) == lateNote)
        #expect(try sequencer.store.checkpointNote(size: 3) == nil)
        let vkey = try VerifierKey(name: subject.scenario.origin, publicKey: subject.scenario.operatorKey.publicKey, algorithm: .ed25519)
        let opened = try Checkpoint.open(Array(lateNote.utf8), verifiers: [vkey], origin: subject.scenario.origin).checkpoint
        #expect(opened == late && early.size == 6 && late.size == 7)
    }

    /// A checkpoint asked for again with no entry since is the one published, with every
    /// cosignature it carries: it was signed again and replaced by the operator's line alone.
    @Test(arguments: Backend.allCases)
    func aCheckpointOfTheSameSizeKeepsItsCosignatures(backend: Backend) throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        defer { sequencer.close() }
        let (checkpoint, note) = try sequencer.checkpoint(operatorKey: subject.scenario.operatorKey)
        // As `serve` publishes it once a witness has cosigned (the line's bytes are not checked here).
        let cosigned = note + "— witness.test.example " + Data(repeating: 7, count: 76).base64EncodedString() + "\n"
        try sequencer.store.publish(checkpoint: cosigned, size: checkpoint.size)
        let (again, againNote) = try sequencer.checkpoint(operatorKey: subject.scenario.operatorKey)
        #expect(again == checkpoint)
        #expect(againNote == cosigned)
        #expect(try sequencer.store.checkpointNote(size: nil) == cosigned)
        #expect(try sequencer.store.checkpointNote(size: checkpoint.size) == cosigned)
    }

    @Test(arguments: Backend.allCases)
    func sizeChangesYieldEachGrowthWithoutPolling(backend: Backend) async throws {
        let subject = try Subject(backend)
        defer { subject.remove() }
        let sequencer = try subject.created()
        defer { sequencer.close() }
        var changes = sequencer.store.sizeChanges().makeAsyncIterator()
        #expect(await changes.next() == 6)
        _ = try await sequencer.append([try subject.scenario.exchange(0), try subject.scenario.exchange(1)])
        var seen = await changes.next()
        while let size = seen, size < 8 { seen = await changes.next() }
        #expect(seen == 8)
    }
}
