import LedgerCore
import LedgerCrypto

/// Read access to a stored log, whatever holds it (segment files, memory, a database): what
/// proofs, followers, verification and the projector need, in the manner of tessera's
/// `LogReader` and Go tlog's `HashReader`.
///
/// Contract:
/// - ``size()`` MUST count only durable entries, and every seq below it MUST be readable.
/// - ``lines(in:)`` MUST return the exact stored bytes of each entry (no trailing newline), in
///   seq order — never a re-encoding — or throw; a line it cannot read whole is an error, never
///   a shorter answer.
/// - ``readHashes(at:)`` (``HashReader``) MUST return the stored Merkle hashes of Go tlog's
///   stored-hash order for every tree size up to ``size()``. They are derived data: callers that
///   judge the log (`verify`) recompute them from the lines instead.
/// - ``checkpointNote(size:)`` MUST return a published checkpoint note exactly as it was signed.
/// - ``sizeChanges()`` MUST yield a size at least as large as every size made durable before the
///   yield, promptly after it became durable, and MUST NOT park a thread per iterator.
package protocol LogReader: HashReader, Sendable {
    /// `ledger.json`: origin, suite, operator key.
    var manifest: LedgerManifest { get }
    /// The number of durable entries.
    func size() throws(StoreError) -> Int64
    /// The stored lines of the entries in `range`.
    func lines(in range: Range<Int64>) throws(StoreError) -> [[UInt8]]
    /// The published checkpoint note of `size` entries (the latest when nil), if there is one.
    func checkpointNote(size: Int64?) throws(StoreError) -> String?
    /// The log's size each time it grows (the current size first).
    func sizeChanges() -> AsyncStream<Int64>
}
