import Foundation
import LedgerCore
import LedgerCrypto

/// The committer's work on one group: sequencing under the integrity rules, the tree's stored
/// hashes, and handing the group to the store.
extension Sequencer {
    /// Sequences one group of requests whose signatures were checked (`checked`, in event
    /// order) and commits it to the store; returns each request's outcome.
    func commit(_ group: [Request], checked: [Checked]) -> [Result<[Receipt], StoreError>] {
        let base = state.size
        let groupMark = state.mark
        let now = options.clock()
        var buffer: [UInt8] = []
        var lengths: [Int64] = []
        var leaves: [Hash32] = []
        // Where each entry admitted so far sits in `events` (the rules may read one back).
        var pending: [Int] = []
        let events = Self.events(of: group)
        // Room for every line (an entry adds at most 256 bytes around its event): no regrowth.
        buffer.reserveCapacity(events.reduce(0) { $0 + $1.canonicalEvent.count + 256 })
        var results: [Result<[Receipt], StoreError>] = []
        var first = 0
        for request in group {
            if request.after?.failed == true {
                first += request.events.count
                results.append(.failure(StoreError(.rejected, "\(name): not attempted, because the batch submitted before it was refused; nothing of it was written", batchIndex: 0)))
                request.outcome.markFailed()
                continue
            }
            let mark = state.mark
            let rewind = (buffer.count, lengths.count)
            var receipts: [Receipt] = []
            var failed: StoreError?
            for (index, signed) in request.events.enumerated() {
                do {
                    receipts.append(try admit(signed, at: first + index, of: events, checked: checked[first + index], base: base, now: now,
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
        if let failure = store.takeHistoryFailure() {
            // A lookup of the rules' history failed, so an id may have been called new that is
            // not: nothing of this group is written, and the writer stops.
            state.rollback(to: groupMark)
            let error = StoreError(.io, "\(failure.message); the writer stopped without writing the group. Reopen the ledger; if this persists, delete the writer's state file (it is rebuilt from the log)")
            stop(error)
            return results.map { $0.flatMap { _ in .failure(error) } }
        }
        if !buffer.isEmpty {
            let before = frontier
            do {
                var stored: [Hash32] = []
                for leaf in leaves { stored += try frontier.append(leafHash: leaf, hash: manifest.suite.hash) }
                try store.commit(SequencedGroup(firstSeq: base, bytes: buffer, lengths: lengths, leafHashes: leaves,
                                                storedHashes: stored, firstStoredIndex: StoredHashes.count(size: base)))
            } catch {
                frontier = before
                state.rollback(to: groupMark)
                let failure = error as? StoreError ?? StoreError(.io, "\(name): cannot compute the tree's stored hashes: \(error)")
                return results.map { $0.flatMap { _ in .failure(failure) } }
            }
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
    private func admit(_ signed: SignedEvent, at position: Int, of events: [SignedEvent], checked: Checked, base: Int64, now: Int64,
                       buffer: inout [UInt8], lengths: inout [Int64], leaves: inout [Hash32], pending: inout [Int]) throws(StoreError) -> Receipt {
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
            admission = try state.admit(signed, seq: seq, signature: signature) { [store] stored in
                if stored >= base { return events[pending[Int(stored - base)]].event }
                guard let line = try store.lines(in: stored..<(stored + 1)).first else {
                    throw StoreError(.damaged, "\(name): entry \(stored) cannot be read back")
                }
                return try Entry(line: line).event
            }
        } catch let error as RuleViolation {
            throw StoreError(.rejected, "\(name): event rejected, nothing was written: \(error)", violation: error)
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
                leaf = try store.readHashes(at: [StoredHashes.index(level: 0, earlier)])[0]
            } catch {
                throw StoreError(.io, "\(name): cannot read the leaf hash of entry \(earlier): \(error)")
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
                throw StoreError(.rejected, "\(name): event rejected, nothing was written: \(violation)", violation: violation)
            }
            let time = Timestamp(microsecondsSinceEpoch: micros)
            // Entry's own rules (six-digit time, genesis only at 0) hold by construction here:
            // the time comes from microseconds and the state admits genesis only at seq 0.
            let start = buffer.count
            Entry.appendLine(seq: seq, time: time, prev: state.lastLeafHash, canonicalEvent: signed.canonicalEvent, signature: signed.signature, to: &buffer)
            let length = buffer.count - start
            guard length <= CanonicalJSON.maxLineBytes else {
                buffer.removeLast(length)
                state.rollback(to: mark)
                let violation = RuleViolation(.malformedLine, seq: seq, eventID: signed.event.id, author: signed.event.author, field: "",
                                              "the entry line would be \(length) bytes, over the \(CanonicalJSON.maxLineBytes)-byte limit; shorten the event's text or field lists")
                throw StoreError(.rejected, "\(name): event rejected, nothing was written: \(violation)", violation: violation)
            }
            let leaf = Entry.leafHash(line: buffer[start...], hash: manifest.suite.hash)
            state.sequenced(seq: seq, leafHash: leaf, time: time)
            buffer.append(0x0a)
            lengths.append(Int64(length))
            leaves.append(leaf)
            pending.append(position)
            return Receipt(seq: seq, leafHash: leaf)
        }
    }
}
