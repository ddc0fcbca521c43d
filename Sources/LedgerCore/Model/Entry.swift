import LedgerCrypto

/// One line of the log (DESIGN §5): a sequenced, signed event.
///
/// `{"event":{…},"prev":"<hex H(previous entry)>","seq":<n>,"sig":"<base64>","time":"<RFC 3339 UTC>"}`
///
/// An entry read from bytes is accepted only if the bytes are exactly its canonical encoding,
/// so one entry has one byte string and one leaf hash.
public struct Entry: Hashable, Sendable {
    /// Position in the log, from 0 (genesis), increasing by exactly 1.
    public let seq: Int64
    /// When the ledger sequenced it: RFC 3339 UTC with exactly six fraction digits.
    public let time: Timestamp
    /// hex(L(seq-1)); zero for genesis.
    public let prev: Hash32
    /// The author's signed event.
    public let signed: SignedEvent

    /// The event.
    public var event: Event { signed.event }

    /// Creates an entry, checking the field rules of DESIGN §5 that need no other entry.
    package init(seq: Int64, time: Timestamp, prev: Hash32, signed: SignedEvent) throws(FormatError) {
        guard seq >= 0, seq <= JSONValue.maxSafeInteger else {
            throw FormatError(.invalidValue, field: "seq", "must be between 0 and 2^53-1, found \(seq)")
        }
        guard time.fractionDigits == 6 else {
            throw FormatError(.invalidValue, field: "time", "\"\(time.text)\" must have exactly six fraction digits (microseconds), e.g. 2026-11-23T08:00:00.123456Z")
        }
        if seq == 0 {
            guard prev == .zero else {
                throw FormatError(.invalidValue, field: "prev", "the genesis entry's prev must be 64 zeros")
            }
            guard case .genesis = signed.event.body else {
                throw FormatError(.invalidValue, field: "event.type", "entry 0 must be a ledger.genesis event, found \(signed.event.type.rawValue)")
            }
        } else if case .genesis = signed.event.body {
            throw FormatError(.invalidValue, field: "event.type", "ledger.genesis may only be entry 0, found at seq \(seq)")
        }
        self.seq = seq
        self.time = time
        self.prev = prev
        self.signed = signed
    }

    /// Parses one line (without its trailing newline): canonical JSON, exactly the five fields.
    public init(line: some Collection<UInt8>) throws(FormatError) {
        let tape: JSONTape
        do {
            tape = try CanonicalJSONParser.tape(Array(line))
        } catch where error.reason == .tooLarge {
            throw FormatError(.notCanonical, field: "", "the line is \(line.count) bytes, longer than the \(CanonicalJSON.maxLineBytes)-byte limit of an entry line (DESIGN §4); no writer writes such a line")
        } catch {
            throw FormatError(.notCanonical, field: "", "not canonical JSON at \(error.description)")
        }
        var reader = try ObjectReader(tape, path: "")
        let eventNode = try reader.value("event")
        let prev = try reader.hash32("prev")
        let seq = try reader.integer("seq")
        let sig = try reader.stringNode("sig")
        let time = try reader.timestamp("time")
        try reader.finish()
        let event: Event
        do {
            event = try Event(tape: tape, node: eventNode)
        } catch {
            throw error.nested(under: "event")
        }
        let signature = try reader.base64(node: sig, key: "sig", maxCharacters: SignedEvent.maxSignatureCharacters, what: "signature")
        guard !signature.isEmpty else { throw FormatError(.invalidValue, field: "sig", "signature is empty") }
        // The line is canonical, so canonical(event) is the event's own bytes in the line: no
        // need to encode the event again.
        let canonicalEvent = Array(tape.slice(of: eventNode))
        try self.init(seq: seq, time: time, prev: prev, signed: SignedEvent(event: event, signature: signature, canonicalEvent: canonicalEvent))
    }

    /// The entry as a JSON object.
    public var json: JSONValue {
        .object(["event": signed.event.json, "prev": .string(prev.hex), "seq": .integer(seq),
                 "sig": .string(Base64.encode(signed.signature)), "time": .string(time.text)])
    }

    /// The canonical line bytes, without the trailing newline.
    public var line: [UInt8] { CanonicalJSON.encode(json) }

    /// The canonical line of an entry, assembled around the event's canonical bytes so the
    /// writer encodes each event once (for its signature check) and never again:
    ///
    ///     {"event":<canonical(event)>,"prev":"<hex>","seq":<n>,"sig":"<base64>","time":"<time>"}
    ///
    /// The members are already in canonical (sorted) order; equal to ``line`` for the same entry.
    package static func line(seq: Int64, time: Timestamp, prev: Hash32, canonicalEvent: [UInt8], signature: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(canonicalEvent.count + 256)
        appendLine(seq: seq, time: time, prev: prev, canonicalEvent: canonicalEvent, signature: signature, to: &out)
        return out
    }

    /// Appends ``line(seq:time:prev:canonicalEvent:signature:)`` to `out`, where the writer
    /// gathers a group's lines (no array per line). Hex, base64 and an RFC 3339 time hold no
    /// character JSON escapes, so they are written between quotes as they are.
    package static func appendLine(seq: Int64, time: Timestamp, prev: Hash32, canonicalEvent: [UInt8], signature: [UInt8],
                                   to out: inout [UInt8]) {
        out += #"{"event":"#.utf8
        out += canonicalEvent
        out += #","prev":""#.utf8
        prev.withUnsafeBytes { Hex.append($0, to: &out) }
        out += #"","seq":"#.utf8
        out += String(seq).utf8
        out += #","sig":""#.utf8
        Base64.append(signature, to: &out)
        out += #"","time":""#.utf8
        out += time.text.utf8
        out += #""}"#.utf8
    }

    /// The RFC 9162 leaf hash of a line: L(n) = H(0x00 || line bytes without the trailing \n).
    public static func leafHash(line: some Collection<UInt8>, hash: HashAlgorithm) -> Hash32 {
        var context = HashContext(hash)
        context.update(byte: 0x00)
        context.update(line)
        return context.finish()
    }
}
