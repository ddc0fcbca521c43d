import FlowLedger
import Foundation

/// One way to tamper with a copy of the intact ledger, done the way an attacker with access to
/// the files would do it.
struct Tampering: Sendable {
    /// The copy's directory name under `tampered/`.
    let name: String
    /// What was done, for CORPUS.md.
    let what: String
    /// Changes the copy at `directory`.
    let apply: @Sendable (_ directory: String, _ lines: inout LogLines, _ cast: FixtureCast) throws -> Void
}

extension Tampering {
    /// The corpus. Seqs refer to the intact ledger (CorpusScenarios.intact): 9 is exchange x-1,
    /// 13 exchange x-3, 14 its acknowledgement; checkpoints cover 13 and 20 entries.
    static let all: [Tampering] = [
        Tampering(name: "edited-body", what: "entry 9 (exchange x-1): records changed from 1200 to 120, nothing else") { _, lines, _ in
            lines[9] = replacing(lines[9], "\"records\":1200", "\"records\":120")
        },
        Tampering(name: "edited-rechained", what: "entry 9 (exchange x-1): records changed and re-signed with its author's own key, then every later prev recomputed; only the checkpoints can tell") { _, lines, cast in
            let entry = lines.entry(9)
            guard case .exchangeSent(let body) = entry.event.body else { fatalError("entry 9 is exchange x-1") }
            let edited = ExchangeSentBody(exchange: body.exchange, dataset: body.dataset, recipient: body.recipient, grant: body.grant,
                                          purpose: body.purpose, fields: body.fields, records: 120, bytes: body.bytes, digest: body.digest)
            let signed = try cast.participant(entry.event.author, key: "ride-a", origin: CorpusScenarios.intactOrigin)
                .sign(.exchangeSent(edited), id: entry.event.id, at: entry.event.at)
            lines[9] = LogLines.line(entry, signed: signed)
            lines.rechain(from: 10)
        },
        Tampering(name: "deleted-entry", what: "entry 10 (acknowledgement of x-1) deleted") { _, lines, _ in
            lines.remove(at: 10)
        },
        Tampering(name: "swapped-entries", what: "entries 10 and 11 swapped in the file") { _, lines, _ in
            let ten = lines[10]
            lines[10] = lines[11]
            lines[11] = ten
        },
        Tampering(name: "duplicated-entry", what: "entry 7 (dataset mobility cataloged) written twice") { _, lines, _ in
            lines.insert(lines[7], at: 8)
        },
        Tampering(name: "truncated-below-checkpoint", what: "the last 3 entries (17-19) cut off, below the checkpoint of size 20") { _, lines, _ in
            for _ in 0..<3 { lines.remove(at: lines.count - 1) }
        },
        Tampering(name: "swapped-signatures", what: "the signatures of entries 13 and 14 exchanged") { _, lines, _ in
            let (a, b) = (lines.entry(13), lines.entry(14))
            lines[13] = LogLines.line(a, signed: SignedEvent(event: a.event, signature: b.signed.signature))
            lines[14] = LogLines.line(b, signed: SignedEvent(event: b.event, signature: a.signed.signature))
        },
        Tampering(name: "non-canonical", what: "entry 5: a space inserted after the first brace (same JSON value, other bytes)") { _, lines, _ in
            lines[5] = [UInt8(ascii: "{"), UInt8(ascii: " ")] + lines[5].dropFirst()
        },
        Tampering(name: "forged-tail", what: "an entry 20 appended, chained correctly, claiming ride-a.example's current key but signed with another key") { _, lines, cast in
            let last = lines.entry(lines.count - 1)
            let forger = Participant(id: "ride-a.example", key: cast.key("attacker"), origin: CorpusScenarios.intactOrigin)
            let body = EventBody.exchangeSent(ExchangeSentBody(exchange: "x-forged", dataset: "trips", recipient: "transport.sh", grant: "g-trips-1",
                                                               purpose: "supervision", fields: ["end", "start"], records: 1, bytes: 1,
                                                               digest: String(repeating: "0", count: 64)))
            let event = try Event(id: "x-forged", author: "ride-a.example", keyID: cast.key("ride-a-rotated").publicKey.keyID, at: last.time, body: body)
            let signature = try forger.key.sign(event.signingMessage(origin: CorpusScenarios.intactOrigin))
            let line = Entry.line(seq: last.seq + 1, time: last.time, prev: Entry.leafHash(line: lines[lines.count - 1], hash: .sha256),
                                  canonicalEvent: event.canonicalBytes, signature: signature)
            lines.insert(line, at: lines.count)
        },
        Tampering(name: "time-backwards", what: "entry 15's ledger time set an hour before entry 14's, then every later prev recomputed") { _, lines, _ in
            let entry = lines.entry(15)
            let earlier = Timestamp(microsecondsSinceEpoch: lines.entry(14).time.microsecondsSinceEpoch - 3_600_000_000)
            lines[15] = LogLines.line(entry, time: earlier)
            lines.rechain(from: 16)
        },
        Tampering(name: "sequence-gap", what: "entries 16 and later renumbered from 17 on, then every later prev recomputed") { _, lines, _ in
            for p in 16..<lines.count { lines[p] = LogLines.line(lines.entry(p), seq: Int64(p + 1)) }
            lines.rechain(from: 16)
        },
        Tampering(name: "unknown-key", what: "entry 11 (exchange x-2) re-signed by telecom.example's name with a key never registered, then every later prev recomputed") { _, lines, cast in
            let entry = lines.entry(11)
            let signed = try Participant(id: entry.event.author, key: cast.key("attacker"), origin: CorpusScenarios.intactOrigin)
                .sign(entry.event.body, id: entry.event.id, at: entry.event.at)
            lines[11] = LogLines.line(entry, signed: signed)
            lines.rechain(from: 12)
        },
        Tampering(name: "altered-checkpoint", what: "checkpoints/13.checkpoint: the root hash line replaced (signature kept)") { directory, _, _ in
            let path = directory + "/checkpoints/13.checkpoint"
            var text = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            text[2] = HashAlgorithm.sha256.hash(Array("another history".utf8)).base64
            try text.joined(separator: "\n").write(toFile: path, atomically: true, encoding: .utf8)
        },
        Tampering(name: "rewritten-genesis", what: "entry 0: the operator's name changed in the genesis body, then every later prev recomputed") { _, lines, _ in
            lines[0] = replacing(lines[0], "\"name\":\"Data exchange operator\"", "\"name\":\"Another operator\"")
            lines.rechain(from: 1)
        },
        Tampering(name: "missing-segment", what: "the second segment file deleted") { _, lines, _ in
            lines.removeSegment(1)
        },
    ]

    private static func replacing(_ line: [UInt8], _ old: String, _ new: String) -> [UInt8] {
        let text = String(decoding: line, as: UTF8.self)
        precondition(text.contains(old), "the fixture line does not contain \(old)")
        return Array(text.replacingOccurrences(of: old, with: new).utf8)
    }
}
