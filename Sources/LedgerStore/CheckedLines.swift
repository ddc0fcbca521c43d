import LedgerCore
import LedgerCrypto

/// Lines a ``LogCopyWriter`` checked as `verify` does, ready for ``LogCopyWriter/commit(_:)``:
/// the exact bytes given, with what checking them found.
package struct CheckedLines: Sendable {
    /// Seq of the first line.
    package let firstSeq: Int64
    /// The lines, each without its newline, exactly as they will be written.
    package let lines: [[UInt8]]
    /// Each line's leaf hash, L(n) = H(0x00 || line).
    package let leafHashes: [Hash32]

    /// The number of lines.
    package var count: Int { lines.count }
}
