import FlowLedger
import Foundation

/// The lines of a ledger's segment files, editable as one list (position = line in log order)
/// and written back to the same segment files: how the tampering corpus changes a log the way
/// an attacker with file access would.
struct LogLines {
    /// Each segment's file name and lines (without newlines).
    private(set) var segments: [(name: String, lines: [[UInt8]])]
    let hash: HashAlgorithm

    /// Reads `directory/log`.
    init(directory: String, hash: HashAlgorithm) throws {
        let log = directory + "/log"
        segments = try FileManager.default.contentsOfDirectory(atPath: log).filter { $0.hasSuffix(".jsonl") }.sorted().map { name in
            let bytes = try Array(Data(contentsOf: URL(fileURLWithPath: log + "/" + name)))
            return (name, bytes.split(separator: 0x0a, omittingEmptySubsequences: false).dropLast().map(Array.init))
        }
        self.hash = hash
    }

    /// Rewrites the segment files of `directory/log` (a segment left with no line is removed).
    func write(to directory: String) throws {
        for (name, lines) in segments {
            let path = directory + "/log/" + name
            if lines.isEmpty {
                try FileManager.default.removeItem(atPath: path)
            } else {
                try Data(lines.flatMap { $0 + [0x0a] }).write(to: URL(fileURLWithPath: path))
            }
        }
    }

    /// The number of lines.
    var count: Int { segments.reduce(0) { $0 + $1.lines.count } }

    private func locate(_ position: Int) -> (segment: Int, index: Int) {
        var rest = position
        for (segment, content) in segments.enumerated() {
            if rest < content.lines.count { return (segment, rest) }
            rest -= content.lines.count
        }
        return (segments.count - 1, segments[segments.count - 1].lines.count)  // one past the end
    }

    /// The line at `position`.
    subscript(position: Int) -> [UInt8] {
        get { let (s, i) = locate(position); return segments[s].lines[i] }
        set { let (s, i) = locate(position); segments[s].lines[i] = newValue }
    }

    /// The entry at `position`.
    func entry(_ position: Int) -> Entry { try! Entry(line: self[position]) }

    /// Removes the line at `position`.
    mutating func remove(at position: Int) {
        let (s, i) = locate(position)
        segments[s].lines.remove(at: i)
    }

    /// Inserts `line` before `position` (or at the end of the last segment).
    mutating func insert(_ line: [UInt8], at position: Int) {
        let (s, i) = locate(position)
        segments[s].lines.insert(line, at: i)
    }

    /// Deletes a whole segment file's lines.
    mutating func removeSegment(_ index: Int) { segments[index].lines.removeAll() }

    /// The canonical line of `entry` with any of its fields replaced.
    static func line(_ entry: Entry, seq: Int64? = nil, time: Timestamp? = nil, prev: Hash32? = nil,
                     signed: SignedEvent? = nil) -> [UInt8] {
        let signed = signed ?? entry.signed
        return Entry.line(seq: seq ?? entry.seq, time: time ?? entry.time, prev: prev ?? entry.prev,
                          canonicalEvent: signed.canonicalEvent, signature: signed.signature)
    }

    /// Recomputes `prev` from `position` on so the chain holds again: what an attacker does
    /// after changing an entry, since `prev` is signed by nobody (only checkpoints catch it).
    mutating func rechain(from position: Int) {
        for p in max(position, 1)..<count {
            let previous = Entry.leafHash(line: self[p - 1], hash: hash)
            self[p] = Self.line(entry(p), prev: previous)
        }
    }
}
