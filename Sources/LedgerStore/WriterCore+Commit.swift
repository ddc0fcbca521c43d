import Foundation
import LedgerCore
import LedgerCrypto

/// The committer's work on one group: sequencing under the integrity rules, writing, syncing.
extension WriterCore {
    /// Sequences, writes and syncs one group of requests whose signatures were checked
    /// (`checked`, in event order); returns each request's outcome.
    func commit(_ group: [Request], checked: [Checked]) -> [Result<[Receipt], StoreError>] {
        let base = state.size
        let groupMark = state.mark
        let now = options.clock()
        var buffer: [UInt8] = []
        var lengths: [Int64] = []
        var leaves: [Hash32] = []
        var pending: [Event] = []
        var results: [Result<[Receipt], StoreError>] = []
        var first = 0
        for request in group {
            if request.after?.failed == true {
                first += request.events.count
                results.append(.failure(StoreError(.rejected, "\(layout.directory): not attempted, because the batch submitted before it was refused; nothing of it was written", batchIndex: 0)))
                request.outcome.markFailed()
                continue
            }
            let mark = state.mark
            let rewind = (buffer.count, lengths.count)
            var receipts: [Receipt] = []
            var failed: StoreError?
            for (index, signed) in request.events.enumerated() {
                do {
                    receipts.append(try admit(signed, checked: checked[first + index], base: base, now: now,
                                              buffer: &buffer, lengths: &lengths, leaves: &leaves, pending: &pending))
                } catch {
                    failed = error.inBatch(at: index)
                    break
                }
            }
            first += request.events.count
            if let failed {
                state.rollback(to: mark)
                buffer.removeLast(buffer.count - rewind.0)
                lengths.removeLast(lengths.count - rewind.1)
                leaves.removeLast(leaves.count - rewind.1)
                pending.removeLast(pending.count - rewind.1)
                results.append(.failure(failed))
                request.outcome.markFailed()
            } else {
                results.append(.success(receipts))
            }
        }
        if let failure = history.takeFailure() {
            // A lookup of the rules' history failed, so an id may have been called new that is
            // not: nothing of this group is written, and the writer stops.
            state.rollback(to: groupMark)
            let error = StoreError(.io, "\(failure.message); the writer stopped without writing the group. Reopen the ledger; if this persists, delete \(layout.writerState) (it is rebuilt from the log)")
            stop(error)
            return results.map { $0.flatMap { _ in .failure(error) } }
        }
        if !buffer.isEmpty {
            do {
                try write(buffer, lengths: lengths, leaves: leaves, base: base)
            } catch {
                state.rollback(to: groupMark)
                return results.map { $0.flatMap { _ in .failure(error) } }
            }
            for (index, event) in pending.enumerated() { historyDelta.add(event, seq: base + Int64(index)) }
        }
        state.commit()
        return results
    }

    /// The key an event's signature was checked under (nil: none known yet), and the verdict.
    struct Checked: Sendable {
        let key: PublicKey?
        let signature: SignatureCheck
    }

    /// The key each event names: the registered key, or one registered earlier in `previous`
    /// (the group being committed ahead of these) or in `events` itself.
    func resolveKeys(_ events: [SignedEvent], after previous: [SignedEvent]) -> [PublicKey?] {
        var introduced: [String: PublicKey] = [:]
        func introduce(_ event: Event) {
            switch event.body {
            case .partyRegistered(let body): introduced[body.key.keyID] = body.key
            case .partyKeyRotated(let body): introduced[body.key.keyID] = body.key
            default: break
            }
        }
        for signed in previous { introduce(signed.event) }
        return events.map { signed -> PublicKey? in
            let key = state.verificationKey(for: signed.event) ?? introduced[signed.event.keyID]
            introduce(signed.event)
            return key
        }
    }

    /// Checks every event's signature under `keys`, in parallel on all cores, over the canonical
    /// bytes each signed event carries (M = "flowledger/v1/event\n" || origin || "\n" ||
    /// canonical(event), DESIGN §5). Touches no writer state, so it can run while another group
    /// is committed.
    static func check(_ events: [SignedEvent], keys: [PublicKey?], origin: String) -> [Checked] {
        Parallel.map(events.count, chunkSize: 2) { index -> Checked in
            let signed = events[index]
            guard let key = keys[index] else { return Checked(key: nil, signature: .invalid) }
            return Checked(key: key, signature: SignatureCheck(signed.verify(with: key, origin: origin)))
        }
    }

    /// Admits one event: the original receipt for a repeat, or a new entry added to the buffer.
    private func admit(_ signed: SignedEvent, checked: Checked, base: Int64, now: Int64, buffer: inout [UInt8], lengths: inout [Int64],
                       leaves: inout [Hash32], pending: inout [Event]) throws(StoreError) -> Receipt {
        let seq = state.size
        let admission: LedgerState.Admission
        do {
            // The key the rules will hold the event to; the early check counts only if it used the
            // same key (a key introduced by an event that was then refused leaves none).
            let signature: SignatureCheck
            if let key = state.verificationKey(for: signed.event) {
                signature = key == checked.key ? checked.signature : SignatureCheck(signed.verify(with: key, origin: manifest.origin))
            } else {
                signature = .invalid
            }
            admission = try state.admit(signed, seq: seq, signature: signature) { [files] stored in
                if stored >= base { return pending[Int(stored - base)] }
                return try Entry(validLine: files, seq: stored, at: files.offsets.location(of: stored)).event
            }
        } catch let error as RuleViolation {
            throw StoreError(.rejected, "\(layout.directory): event rejected, nothing was written: \(error)", violation: error)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.io, "\(error)")
        }
        switch admission {
        case .duplicate(let earlier):
            if earlier >= base { return Receipt(seq: earlier, leafHash: leaves[Int(earlier - base)]) }
            let leaf: Hash32
            do {
                leaf = try files.hashes.readHashes(at: [StoredHashes.index(level: 0, earlier)])[0]
            } catch {
                throw StoreError(.io, "\(layout.hashes): cannot read the leaf hash of entry \(earlier): \(error)")
            }
            return Receipt(seq: earlier, leafHash: leaf)
        case .new:
            let mark = state.mark
            let micros = max(now, state.lastTime?.microsecondsSinceEpoch ?? now)
            guard Timestamp.writableMicroseconds.contains(micros) else {
                // A clock (WriterOptions.clock) outside years 0000–9999 would write a `time` no
                // reader accepts, and the log could not be read past it.
                state.rollback(to: mark)
                let violation = RuleViolation(.malformedLine, seq: seq, eventID: signed.event.id, author: signed.event.author, field: "time",
                                              "the writer's clock reads \(micros) µs since 1970, outside years 0000–9999 that an RFC 3339 time can name; fix WriterOptions.clock (or the system clock)")
                throw StoreError(.rejected, "\(layout.directory): event rejected, nothing was written: \(violation)", violation: violation)
            }
            let time = Timestamp(microsecondsSinceEpoch: micros)
            // Entry's own rules (six-digit time, genesis only at 0) hold by construction here:
            // the time comes from microseconds and the state admits genesis only at seq 0.
            let line = Entry.line(seq: seq, time: time, prev: state.lastLeafHash, canonicalEvent: signed.canonicalEvent, signature: signed.signature)
            guard line.count <= CanonicalJSON.maxLineBytes else {
                state.rollback(to: mark)
                let violation = RuleViolation(.malformedLine, seq: seq, eventID: signed.event.id, author: signed.event.author, field: "",
                                              "the entry line would be \(line.count) bytes, over the \(CanonicalJSON.maxLineBytes)-byte limit; shorten the event's text or field lists")
                throw StoreError(.rejected, "\(layout.directory): event rejected, nothing was written: \(violation)", violation: violation)
            }
            let leaf = Entry.leafHash(line: line, hash: manifest.suite.hash)
            state.sequenced(seq: seq, leafHash: leaf, time: time)
            buffer += line
            buffer.append(0x0a)
            lengths.append(Int64(line.count))
            leaves.append(leaf)
            pending.append(signed.event)
            return Receipt(seq: seq, leafHash: leaf)
        }
    }

    /// Writes the group's lines at the end of the current segment — rolling to a new segment
    /// at the first line that would take it past the limit — makes them durable (one fsync per
    /// segment touched), then extends the derived files.
    private func write(_ buffer: [UInt8], lengths: [Int64], leaves: [Hash32], base: Int64) throws(StoreError) {
        var locations: [OffsetIndex.Location] = []
        locations.reserveCapacity(lengths.count)
        var start = 0          // first byte of the current run in `buffer`
        var end = 0
        var offset = segmentSize
        do {
            for (index, length) in lengths.enumerated() {
                if offset > 0 && offset + length + 1 > options.segmentLimit {
                    try writeRun(buffer[start..<end], startingAt: segmentSize)
                    segmentSize = offset
                    try roll(firstSeq: base + Int64(index))
                    start = end
                    offset = 0
                }
                locations.append(OffsetIndex.Location(offset: offset, length: length))
                offset += length + 1
                end += Int(length) + 1
            }
            try writeRun(buffer[start..<end], startingAt: segmentSize)
        } catch {
            if start > 0 {
                // Earlier runs of this group are durable in the previous segment but were not
                // acknowledged: only a reopen (which replays them) makes memory match the disk.
                stop(StoreError(.io, "\(layout.log): a write failed after the group had rolled to a new segment (\(error)); the writer stopped. Reopen the ledger; appending the same events again returns their receipts"))
            }
            throw error
        }
        segmentSize = offset
        // The entries are durable from here on: a failure below cannot be undone, so it stops the
        // writer (reopening repairs the derived files from the segments).
        do {
            try files.offsets.write(locations, from: base)
            let oldCount = StoredHashes.count(size: frontier.size)
            var added: [Hash32] = []
            for leaf in leaves { added += try frontier.append(leafHash: leaf, hash: manifest.suite.hash) }
            try files.hashes.write(added, from: oldCount)
        } catch {
            stop(StoreError(.io, "\(layout.index): the derived files could not be updated (\(error)); the writer stopped. The entries are in the log: reopen the ledger, and appending the same events again returns their receipts"))
        }
    }

    /// Writes `bytes` at `offset` of the current segment and syncs it; on failure cuts the
    /// segment back so it is as it was (nothing of the group has been acknowledged).
    private func writeRun(_ bytes: ArraySlice<UInt8>, startingAt offset: Int64) throws(StoreError) {
        guard !bytes.isEmpty else { return }
        do {
            try segment.write(bytes, at: offset)
            if options.durability != .never { try segment.sync() }
        } catch {
            do {
                try segment.truncate(to: offset)
            } catch {
                stop(StoreError(.io, "\(segment.path): a write failed and the partial write could not be removed (\(error)); the writer stopped. Reopen the ledger: recovery cuts the torn line"))
            }
            throw error
        }
    }

    /// Starts the segment whose first entry is `firstSeq`, durably (the directory is synced).
    private func roll(firstSeq: Int64) throws(StoreError) {
        let next = try PosixFile(path: layout.segment(firstSeq: firstSeq), flags: O_RDWR | O_CREAT | O_EXCL)
        try Directory.sync(layout.log)
        files.added(segmentFirstSeq: firstSeq)
        segment = next
        segmentSize = 0
    }
}
