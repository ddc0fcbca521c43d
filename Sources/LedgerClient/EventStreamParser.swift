/// Reads a `text/event-stream` (the WHATWG Server-Sent Events format) as it arrives in chunks:
/// lines ending in `\n` (or `\r\n`), `field: value` pairs, comments starting with `:`, and a
/// blank line ending each event. Only what `v1/events` sends is kept: `id`, `event` and `data`
/// (several `data` lines joined by `\n`).
struct EventStreamParser {
    /// One event of the stream.
    struct Event: Equatable {
        /// The `id` field, if any.
        var id: String?
        /// The `event` field (`message` when absent).
        var type: String = "message"
        /// The `data` lines, joined by `\n`.
        var data: [UInt8] = []
    }

    /// The longest line accepted: an entry line is at most 64 KiB, a checkpoint line far less.
    static let maxLineBytes = 1 << 20
    /// The most `data` one event may gather over all its lines: a server that never ends an
    /// event must not grow the client without bound (an entry is one line, a checkpoint a few).
    static let maxEventBytes = 2 << 20

    private var partial: [UInt8] = []
    private var current = Event()
    private var hasData = false

    /// The events completed by `chunk`.
    /// - Throws: ``Overflow`` when a line grows past ``maxLineBytes`` or an event's data past
    ///   ``maxEventBytes`` (not an event stream).
    mutating func feed(_ chunk: some Collection<UInt8>) throws(Overflow) -> [Event] {
        var events: [Event] = []
        for byte in chunk {
            if byte == 0x0a {
                if partial.last == 0x0d { partial.removeLast() }
                if let event = try take(line: partial) { events.append(event) }
                partial.removeAll(keepingCapacity: true)
            } else {
                partial.append(byte)
                if partial.count > Self.maxLineBytes { throw Overflow() }
            }
        }
        return events
    }

    /// A line longer than ``EventStreamParser/maxLineBytes``, or an event's data longer than
    /// ``EventStreamParser/maxEventBytes``.
    struct Overflow: Error {}

    /// Handles one line; returns the event a blank line completes.
    private mutating func take(line: [UInt8]) throws(Overflow) -> Event? {
        if line.isEmpty {
            defer { current = Event(); hasData = false }
            return hasData || current.id != nil ? current : nil
        }
        if line[0] == UInt8(ascii: ":") { return nil }
        let colon = line.firstIndex(of: UInt8(ascii: ":")) ?? line.endIndex
        let name = String(decoding: line[..<colon], as: UTF8.self)
        var value = colon < line.endIndex ? line[(colon + 1)...] : []
        if value.first == UInt8(ascii: " ") { value = value.dropFirst() }
        switch name {
        case "id": current.id = String(decoding: value, as: UTF8.self)
        case "event": current.type = String(decoding: value, as: UTF8.self)
        case "data":
            if hasData { current.data.append(0x0a) }
            current.data += value
            hasData = true
            if current.data.count > Self.maxEventBytes { throw Overflow() }
        default: break
        }
        return nil
    }
}
