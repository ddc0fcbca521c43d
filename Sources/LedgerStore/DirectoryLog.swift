import LedgerCore
import LedgerCrypto

/// A ledger directory read through a ``LedgerReader`` as a ``ServedLog``: what proofs, tiles and
/// the service read from the segment files, with the reader's own messages (file and line) and
/// its checks that the stored hashes cover what is asked.
package struct DirectoryLog: ServedLog {
    /// The reader underneath.
    package let reader: LedgerReader

    /// The directory `reader` reads.
    package init(_ reader: LedgerReader) { self.reader = reader }

    package var manifest: LedgerManifest { reader.manifest }
    package var name: String { reader.layout.directory }

    package func size() throws(StoreError) -> Int64 { try reader.refresh() }

    package func lines(in range: Range<Int64>) throws(StoreError) -> [[UInt8]] {
        if reader.size < range.upperBound { try reader.refresh() }
        return try reader.lines(in: range)
    }

    package func readHashes(at indexes: [Int64]) throws -> [Hash32] { try reader.files.hashes.readHashes(at: indexes) }

    package func checkpointNote(size: Int64?) throws(StoreError) -> String? {
        let sizes = try reader.checkpoints.sizes()
        if let size { guard sizes.contains(size) else { return nil } } else if sizes.isEmpty { return nil }
        do {
            return try reader.checkpoints.load(size: size).note
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.damaged, "\(name): \(error)")
        }
    }

    package func sizeChanges() -> AsyncStream<Int64> {
        AsyncStream { continuation in
            // The size yielded first is where the follower starts, so no growth falls between.
            guard let start = try? reader.refresh() else { return continuation.finish() }
            continuation.yield(start)
            let task = Task {
                for try await batch in EntryFollower(reader: reader, from: start).batches where !batch.isEmpty {
                    continuation.yield(batch[batch.count - 1].seq + 1)
                }
                continuation.finish()
            }
            continuation.onTermination = { _ in task.cancel() }
        }
    }

    package var fullReportAdvice: String { "run `flowledger verify \(name)` for a full report" }

    package func location(of seq: Int64) -> String {
        let (file, line) = reader.position(of: seq)
        return "\(file) line \(line) (seq \(seq))"
    }

    package func checkpoint(size: Int64?) throws -> (checkpoint: Checkpoint, note: String) { try reader.checkpoints.load(size: size) }
    package func rootHash(size: Int64) throws -> Hash32 { try reader.rootHash(size: size) }
    package func inclusionProof(seq: Int64, size: Int64) throws -> [Hash32] { try reader.inclusionProof(seq: seq, size: size) }
    package func consistencyProof(old: Int64, new: Int64) throws -> [Hash32] { try reader.consistencyProof(old: old, new: new) }
}
