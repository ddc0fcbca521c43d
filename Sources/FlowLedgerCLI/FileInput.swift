import FlowLedger
#if canImport(Glibc)
import Glibc
import LedgerCore
#endif

/// Line input from a file or stdin (`-`), read in chunks as it arrives, so a pipe is appended as
/// it flows and a large file never sits in memory at once.
final class FileInput {
    /// A line and its 1-based number in the input.
    struct Line {
        let number: Int
        let bytes: ArraySlice<UInt8>
    }

    /// Longest input line accepted: an entry line's limit (65,535 bytes, DESIGN §4); an input
    /// line is normally shorter than the entry it becomes.
    static let maxLineBytes = CanonicalJSON.maxLineBytes

    let name: String
    private let descriptor: Int32
    private var pending: [UInt8] = []
    private var ready: [Line] = []
    private var nextNumber = 1
    private var ended = false

    /// Opens `path`, or stdin for nil or `-`.
    init(path: String?) throws {
        if path == nil || path == "-" {
            name = "stdin"
            descriptor = 0
        } else {
            name = path!
            descriptor = open(path!, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { throw CommandFailure("\(path!): cannot open: \(String(cString: strerror(errno)))") }
        }
    }

    deinit { if descriptor > 0 { close(descriptor) } }

    /// The next lines available, at most `limit` (at least one, unless the input ended: then
    /// empty). Blank lines are skipped; a last line without a newline counts.
    func nextLines(limit: Int = .max) throws -> [Line] {
        while ready.isEmpty {
            let more = try readLines()
            if more.isEmpty { return [] }
            ready = more
        }
        let taken = Array(ready.prefix(limit))
        ready.removeFirst(taken.count)
        return taken
    }

    private func readLines() throws -> [Line] {
        while true {
            if let newline = pending.lastIndex(of: 0x0a) {
                let complete = Array(pending[...newline])
                pending.removeFirst(newline + 1)
                let lines = try split(complete)
                if lines.isEmpty { continue }  // only blank lines so far
                return lines
            }
            if ended {
                guard !pending.isEmpty else { return [] }
                let last = pending
                pending = []
                return try split(last + [0x0a])
            }
            guard pending.count <= Self.maxLineBytes else {
                throw CommandFailure("\(name) line \(nextNumber): longer than the \(Self.maxLineBytes)-byte limit of an entry line (DESIGN §4); shorten the event's text or field lists (one event per line)", exit: .rejected)
            }
            var chunk = [UInt8](repeating: 0, count: 1 << 20)
            let n = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CommandFailure("\(name): cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { ended = true } else { pending += chunk[0..<n] }
        }
    }

    private func split(_ bytes: [UInt8]) throws -> [Line] {
        var lines: [Line] = []
        var start = 0
        for index in bytes.indices where bytes[index] == 0x0a {
            let line = bytes[start..<index]
            if line.count > Self.maxLineBytes {
                throw CommandFailure("\(name) line \(nextNumber): \(line.count) bytes is longer than the \(Self.maxLineBytes)-byte limit of an entry line (DESIGN §4); shorten the event's text or field lists", exit: .rejected)
            }
            if !line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }) { lines.append(Line(number: nextNumber, bytes: line)) }
            nextNumber += 1
            start = index + 1
        }
        return lines
    }

    /// The whole file at `path` (at most `limit` bytes).
    static func readAll(_ path: String, limit: Int) throws -> [UInt8] {
        let input = try FileInput(path: path)
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(input.descriptor, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw CommandFailure("\(path): cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            guard bytes.count <= limit else { throw CommandFailure("\(path): larger than \(limit) bytes; is this the right file?") }
        }
    }
}
