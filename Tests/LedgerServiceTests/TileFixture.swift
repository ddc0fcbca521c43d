import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport

/// A ledger large enough for tiles of two levels — the store scenario's entries, then exchanges
/// — with a checkpoint published at each of `sizes`, closed so `flowledger serve` can open it;
/// and what the tiles must hold, computed here from the lines alone (no stored hashes).
struct TileFixture {
    let scenario: Scenario
    /// The published checkpoint sizes, ascending.
    let sizes: [Int64]
    /// Every entry line, without its newline.
    let lines: [[UInt8]]

    init(suite: Suite = .ed25519SHA256, checkpointsAt sizes: [Int64]) async throws {
        scenario = try Scenario(suite: suite)
        self.sizes = sizes
        let ledger = try await scenario.create()
        var next = 0
        for size in sizes {
            var events: [SignedEvent] = []
            while ledger.size + Int64(events.count) < size {
                events.append(try scenario.exchange(next))
                next += 1
            }
            _ = try await ledger.append(events)
            _ = try ledger.checkpoint(operatorKey: scenario.operatorKey)
        }
        ledger.close()
        lines = try LedgerReader(directory: scenario.directory).lines(in: 0..<sizes.last!)
    }

    var directory: String { scenario.directory }
    var work: String { scenario.workDirectory }
    var hash: HashAlgorithm { scenario.suite.hash }

    /// L(n) = H(0x00 || line) for entries `range`.
    func leafHashes(_ range: Range<Int>) -> [Hash32] {
        lines[range].map { Entry.leafHash(line: $0, hash: hash) }
    }

    /// MTH(D[range]) for a range of 2^k entries, by RFC 9162's recursion.
    func subtreeHash(_ range: Range<Int>) -> Hash32 {
        if range.count == 1 { return leafHashes(range)[0] }
        let middle = range.lowerBound + range.count / 2
        return hash.node(subtreeHash(range.lowerBound..<middle), subtreeHash(middle..<range.upperBound))
    }

    /// Hashes as tile bytes.
    static func bytes(_ hashes: [Hash32]) -> [UInt8] {
        hashes.flatMap { hash in hash.withUnsafeBytes { Array($0) } }
    }

    /// Lines as an entry bundle: each preceded by its length, big-endian uint16.
    static func bundle(_ lines: ArraySlice<[UInt8]>) -> [UInt8] {
        lines.flatMap { [UInt8($0.count >> 8), UInt8($0.count & 0xff)] + $0 }
    }

    /// Writes `key` as a 0600 PEM file named `name` beside the ledger; returns its path.
    func keyFile(_ key: PrivateKey, _ name: String) throws -> String {
        let path = work + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: Data(try key.pemRepresentation().utf8), attributes: [.posixPermissions: 0o600])
        return path
    }

    /// Serves the ledger with `extra` arguments.
    func serve(_ extra: [String] = []) async throws -> ServedProcess {
        try await ServedProcess(ledger: directory, extra, scratch: work)
    }
}
