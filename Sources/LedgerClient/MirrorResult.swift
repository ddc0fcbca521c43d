import LedgerCore

/// What a run of ``LedgerMirror/run(url:directory:key:options:progress:)`` did: the copy now
/// holds ``size`` entries, the first ``checkpoint``'s size of which were checked against that
/// checkpoint's root.
package struct MirrorResult: Sendable {
    /// The served ledger's base URL.
    package let url: String
    /// The copy's directory.
    package let directory: String
    /// The checkpoint mirrored: verified, consistent with the one mirrored before, and the
    /// root of the copy at its size. Kept in the copy's `checkpoints/`.
    package let checkpoint: Checkpoint
    /// Entries the copy held before this run.
    package let before: Int64
    /// Entries the copy holds now.
    package let size: Int64
    /// Whether this run created the copy.
    package let created: Bool

    /// Entries this run added.
    package var added: Int64 { size - before }
}
