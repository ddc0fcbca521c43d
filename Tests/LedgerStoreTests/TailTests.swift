import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `flowledger tail` as ops run it: a real `tail -f` process following while another process
/// appends (every entry once, in order, across segment rolls), resuming from a cursor file after
/// SIGKILL, golden pretty and json output, filters, --verify at a tampered entry, clean exits.
@Suite("flowledger tail (Tail)")
struct TailTests {
    // MARK: - Following another process

    @Test
    func followPrintsAndVerifiesEveryEntryOnceInOrderWhileAnotherProcessAppendsAcrossSegmentRolls() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        try await scenario.create().close()
        let count = 300
        let input = try scenario.writeSignedExchanges(count: count)
        let total = 6 + count
        // --max-events ends it once everything is printed; --timeout only stops a broken run.
        let tail = try ChildProcess([flowledgerPath, "tail", scenario.directory, "-f", "--from", "0", "-o", "raw", "--verify",
                                     "--max-events", "\(total)", "--timeout", "120"], directory: scenario.workDirectory)
        try await waitUntil("tail to print the 6 entries already there") { try lineCount(tail.stdout()) >= 6 }
        let appender = try ChildProcess([flowledgerPath, "append", scenario.directory, "--signed", input, "--batch-lines", "7", "--segment-bytes", "20000"],
                                        directory: scenario.workDirectory)
        #expect(appender.wait() == 0, "\((try? appender.stderr()) ?? "")")
        #expect(tail.wait() == 0, "\((try? tail.stderr()) ?? "")")
        #expect(try tail.stdout() == storedLines(scenario.directory, 0..<Int64(total)))
        let segments = try FileManager.default.contentsOfDirectory(atPath: LedgerLayout(directory: scenario.directory).log)
        #expect(segments.count > 3)
    }

    @Test
    func cursorFileResumesAfterSIGKILLWithNoGapAndNoRepeat() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        defer { ledger.close() }
        let cursor = scenario.workDirectory + "/tail.cursor"
        let arguments = [flowledgerPath, "tail", scenario.directory, "-f", "--from", "0", "-o", "raw", "--cursor-file", cursor, "--timeout", "120"]

        let first = try ChildProcess(arguments, directory: scenario.workDirectory)
        for n in 0..<40 { _ = try await ledger.append(scenario.exchange(n)) }
        // Killed while idle, after it recorded all it printed (a kill between printing a batch and
        // recording it would print that batch again: at least once, never a gap).
        try await waitUntil("the cursor to reach 46") { (try? String(contentsOfFile: cursor, encoding: .utf8)) == "46\n" }
        first.kill(SIGKILL)
        #expect(first.wait() == 128 + SIGKILL)
        for n in 40..<60 { _ = try await ledger.append(scenario.exchange(n)) }  // while no tail runs

        let second = try ChildProcess(arguments.dropLast(2) + ["--max-events", "40", "--timeout", "120"], directory: scenario.workDirectory)
        try await waitUntil("the second tail to catch up") { try lineCount(second.stdout()) >= 20 }
        for n in 60..<80 { _ = try await ledger.append(scenario.exchange(n)) }
        #expect(second.wait() == 0, "\((try? second.stderr()) ?? "")")

        var printed = try first.stdout()
        printed.append(try second.stdout())
        #expect(printed == (try storedLines(scenario.directory, 0..<86)))
        #expect(try String(contentsOfFile: cursor, encoding: .utf8) == "86\n")
    }

    // MARK: - Formats

    @Test
    func prettyOutputMatchesTheGoldenFile() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let result = try flowledger("tail", ledger.directory, "-n", "100", "-o", "pretty")
        #expect(result.status == 0, "\(result.err)")
        try expectGolden(result.out, "tail.pretty")
        #expect(!result.out.contains("\u{1b}"), "no colour when stdout is not a terminal")
    }

    @Test
    func jsonOutputMatchesTheGoldenFileWithTheStoredEventAndLeafHash() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let result = try flowledger("tail", ledger.directory, "-n", "100", "-o", "json")
        #expect(result.status == 0, "\(result.err)")
        try expectGolden(result.out, "tail.jsonl")
        // Not a pipe to a terminal: json is the default.
        #expect(try flowledger("tail", ledger.directory, "-n", "100").out == result.out)
        let reader = try LedgerReader(directory: ledger.directory)
        for (seq, line) in result.out.split(separator: "\n").enumerated() {
            let value = try CanonicalJSONParser.parse(Array(line.utf8))
            #expect(CanonicalJSON.encode(value) == Array(line.utf8), "canonical compact JSON")
            guard case .object(let members) = value else { Issue.record("not an object"); continue }
            let entry = try reader.entry(at: Int64(seq))
            #expect(members["hash"] == .string(try reader.leafHash(at: Int64(seq)).hex))
            #expect(members["event"].map(CanonicalJSON.encode) == entry.signed.canonicalEvent)
            #expect(members["seq"] == .integer(Int64(seq)))
        }
    }

    @Test
    func prettyIsColouredOnATerminalUnlessNoColorIsSet() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        // `script` runs the command on a pseudo-terminal, as an operator's shell would.
        let command = "\(flowledgerPath) tail \(ledger.directory) -n 1"
        let coloured = try run(["script", "-qec", "env -u NO_COLOR " + command, "/dev/null"])  // the test runner may set it
        #expect(String(decoding: coloured.stdout, as: UTF8.self).contains("\u{1b}[34mparty.key-rotated\u{1b}[0m"))
        let plain = try run(["script", "-qec", "NO_COLOR=1 " + command, "/dev/null"])
        #expect(!String(decoding: plain.stdout, as: UTF8.self).contains("\u{1b}["))
        #expect(String(decoding: plain.stdout, as: UTF8.self).contains("party.key-rotated"))
    }

    @Test
    func rawOutputIsTheStoredLinesByteForByte() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let result = try run([flowledgerPath, "tail", ledger.directory, "--from", "0", "-o", "raw"])
        #expect(result.stdout == (try storedLines(ledger.directory, 0..<15)))
    }

    // MARK: - Selecting entries

    @Test
    func positionsSelectTheLastNFromASeqAndALedgerTimeRange() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        func seqs(_ arguments: String...) throws -> [Int] {
            let result = try flowledger(["tail", ledger.directory, "-o", "json"] + arguments)
            #expect(result.status == 0, "\(result.err)")
            return try result.out.split(separator: "\n").map { line in
                guard case .object(let members) = try CanonicalJSONParser.parse(Array(line.utf8)), case .integer(let seq) = members["seq"] else { return -1 }
                return Int(seq)
            }
        }
        #expect(try seqs() == Array(5..<15))
        #expect(try seqs("-n", "3") == [12, 13, 14])
        #expect(try seqs("-n", "0") == [])
        #expect(try seqs("--from", "13") == [13, 14])
        // Entry n is sequenced at 08:00 + n minutes.
        #expect(try seqs("--since", "2026-11-23T08:05:00Z", "--until", "2026-11-23T08:07:30Z") == [5, 6, 7])
        #expect(try seqs("-n", "2", "--until", "2026-11-23T08:07:30Z") == [6, 7])
        #expect(try seqs("--since", "1h") == [], "the ledger's times are long past")
        #expect(try seqs("--since", "2026-11-23T09:00:00Z") == [])
    }

    @Test
    func filtersTakeTypePrefixesPartiesAsAuthorOrCounterpartyAndDatasets() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        func types(_ arguments: String...) throws -> [String] {
            let result = try flowledger(["tail", ledger.directory, "-n", "100", "-o", "pretty"] + arguments)
            #expect(result.status == 0, "\(result.err)")
            return result.out.split(separator: "\n").map { String($0.split(separator: " ")[0]) + " " + String($0.split(separator: " ")[2]) }
        }
        #expect(try types("--type", "exchange.") == ["6 exchange.sent", "7 exchange.received"])
        #expect(try types("--type", "grant.issued", "--type", "audit") == ["5 grant.issued", "9 audit.finding"])
        #expect(try types("--party", "transport.sh") == ["2 party.registered", "5 grant.issued", "6 exchange.sent", "7 exchange.received", "8 quality.reported", "14 party.key-rotated"])
        #expect(try types("--dataset", "trips", "--party", "ride.example") == ["4 dataset.cataloged", "5 grant.issued", "6 exchange.sent", "10 dataset.reclassified"])
        #expect(try types("--party", "transport.sh", "-n", "2") == ["8 quality.reported", "14 party.key-rotated"])
    }

    // MARK: - Verify

    @Test
    func verifyPrintsTheEntriesBeforeATamperedOneThenStopsWithExit1() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let intact = try flowledger("tail", ledger.directory, "--verify", "--from", "3", "-o", "raw")
        #expect(intact.status == 0, "\(intact.err)")
        #expect(intact.out.split(separator: "\n").count == 12)

        // Entry 6 says 1200 records; make it 1300 (same length, still canonical): its signature breaks.
        let segment = LedgerLayout(directory: ledger.directory).segment(firstSeq: 0)
        var text = try String(contentsOfFile: segment, encoding: .utf8)
        let sent = try #require(text.range(of: "\"records\":1200}"))  // exchange.sent comes before exchange.received
        text.replaceSubrange(sent, with: "\"records\":1300}")
        try text.write(toFile: segment, atomically: false, encoding: .utf8)
        let lines = text.split(separator: "\n")

        let broken = try flowledger("tail", ledger.directory, "--verify", "--from", "3", "-o", "raw")
        #expect(broken.status == 1)
        #expect(broken.out == lines[3..<6].joined(separator: "\n") + "\n")
        #expect(broken.err == "flowledger: error: \(segment) line 7: the ledger does not verify: rule 2 (badSignature) at seq 6, event \"x-1\" by ride.example, field sig: the signature does not verify under key \(ledger.rideKey.publicKey.keyID) for ledger \"exchange.golden.example/2026\": the event was changed after signing, signed with another key, or signed for another ledger; tail --verify stopped before this entry (the ones printed before it verify); run `flowledger verify \(ledger.directory)` for a full report\n")
        // Starting after the break still replays from genesis, and stops before printing anything.
        let later = try flowledger("tail", ledger.directory, "--verify", "--from", "10", "-o", "raw")
        #expect(later.status == 1)
        #expect(later.out == "")
        #expect(later.err.contains("line 7: the ledger does not verify: rule 2 (badSignature) at seq 6"))
        // Without --verify, tail prints what is stored.
        #expect(try flowledger("tail", ledger.directory, "--from", "6", "-o", "raw").out == lines[6...].joined(separator: "\n") + "\n")
    }

    // MARK: - Ending and errors

    @Test
    func tailFollowIntoHeadExits0WhenHeadIsDoneEvenWhileTheLedgerIsIdle() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let started = Date()
        let result = try run(["bash", "-c", "set -o pipefail; \(flowledgerPath) tail \(ledger.directory) -f -o raw --timeout 100 | head -n 2"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == (try storedLines(ledger.directory, 5..<7)))
        #expect(Date().timeIntervalSince(started) < 90, "ended by the closed pipe, not by --timeout")
    }

    @Test
    func sigintAndTimeoutEndAFollowingTailWithExit0() async throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let tail = try ChildProcess([flowledgerPath, "tail", ledger.directory, "-f", "-n", "1", "-o", "raw"], directory: ledger.work)
        try await waitUntil("tail to print the last entry") { try lineCount(tail.stdout()) == 1 }
        tail.kill(SIGINT)
        #expect(tail.wait() == 0)
        #expect(try tail.stderr() == "")

        let timed = try flowledger("tail", ledger.directory, "-f", "-n", "1", "-o", "raw", "--timeout", "1")
        #expect(timed.status == 0)
        #expect(timed.out.split(separator: "\n").count == 1)
        let counted = try flowledger("tail", ledger.directory, "-f", "--from", "0", "-o", "raw", "--max-events", "4")
        #expect(counted.status == 0)
        #expect(counted.out.split(separator: "\n").count == 4)
    }

    @Test
    func errorsNameWhatIsWrongAndExit2() throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let directory = ledger.directory
        func expectError(_ arguments: [String], _ message: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
            let result = try flowledger(["tail"] + arguments)
            #expect(result.status == 2, sourceLocation: sourceLocation)
            #expect(result.out == "", sourceLocation: sourceLocation)
            #expect(result.err == message, sourceLocation: sourceLocation)
        }
        let missing = ledger.work + "/missing"
        try expectError([missing], "flowledger: error: \(missing) does not exist: give the directory of a ledger (it holds ledger.json and log/); `flowledger init` creates a new one\n")
        try expectError([directory, "-o", "yaml"], "flowledger: error: -o must be pretty, json or raw, not \"yaml\"\nUsage: flowledger tail [<options>] <dir-or-url>\n  See 'flowledger tail --help' for more information.\n")
        try expectError([directory, "-n", "3", "--from", "1"], "flowledger: error: -n counts back from the end, --from and --since name a start: give one of them\nUsage: flowledger tail [<options>] <dir-or-url>\n  See 'flowledger tail --help' for more information.\n")
        try expectError([directory, "--type", "exchange.snt"], "flowledger: error: --type: no event type starts with \"exchange.snt\"; known types: ledger.genesis, party.registered, party.key-rotated, party.suspended, party.reinstated, dataset.cataloged, dataset.reclassified, grant.issued, grant.revoked, exchange.sent, exchange.received, quality.reported, audit.finding\n")
        try expectError([directory, "--since", "yesterday"], "flowledger: error: --since: \"yesterday\" is neither an RFC 3339 UTC time (2026-11-23T08:00:00Z) nor a span back from now (90s, 15m, 1h, 2d, 1h30m)\n")
        try expectError([directory, "--from", "99"], "flowledger: error: --from 99: \(directory) has 15 entries (0…14); add -f to wait for entry 99\n")
        let cursor = ledger.work + "/bad.cursor"
        try "12x\n".write(toFile: cursor, atomically: true, encoding: .utf8)
        try expectError([directory, "--cursor-file", cursor], "flowledger: error: --cursor-file \(cursor): not a tail cursor: expected the next seq to print as a whole number on one line, found \"12x\"; delete the file to start over (or write the seq to start from into it)\n")
        try "99\n".write(toFile: cursor, atomically: true, encoding: .utf8)
        try expectError([directory, "--cursor-file", cursor], "flowledger: error: --cursor-file \(cursor): records seq 99, but \(directory) has only 15 entries; is it the cursor of another ledger? Delete it to start over\n")
        // A directory given as the cursor is named as one (it read "file is 4096 bytes, larger than
        // the 64-byte limit"); a negative seq reaches the check (it read "Missing value").
        try expectError([directory, "--cursor-file", ledger.work], "flowledger: error: --cursor-file \(ledger.work): cannot read the cursor: \(ledger.work) is a directory, not a file; give the path of a file\n")
        try expectError([directory, "--from", "-1"], "flowledger: error: --from must be a seq, 0 or more\nUsage: flowledger tail [<options>] <dir-or-url>\n  See 'flowledger tail --help' for more information.\n")
    }

    // MARK: - Library

    @Test
    func followerBatchesCarryTheStoredLinesAndNameCounterpartiesAndDatasets() async throws {
        let ledger = try GoldenLedger()
        defer { ledger.remove() }
        let reader = try LedgerReader(directory: ledger.directory)
        var iterator = EntryFollower(reader: reader, from: 4).batches.makeAsyncIterator()
        let batch = try #require(try await iterator.next())
        #expect(batch.map(\.seq) == Array(4..<15))
        for stored in batch { #expect(stored.line == (try reader.line(at: stored.seq))) }
        let addressed = batch.filter { $0.entry.event.body.counterparty == "transport.sh" }.map(\.entry.event.type)
        #expect(addressed == [.grantIssued, .exchangeSent])
        #expect(batch.compactMap(\.entry.event.body.dataset) == ["trips", "trips", "trips", "trips", "trips"])
    }

    // MARK: - Helpers

    private func flowledger(_ arguments: String...) throws -> (status: Int32, out: String, err: String) {
        try flowledger(arguments)
    }

    private func flowledger(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        let result = try run([flowledgerPath] + arguments)
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }
}

/// The stored lines of `range`, each with its newline: what `tail -o raw` prints.
private func storedLines(_ directory: String, _ range: Range<Int64>) throws -> Data {
    let reader = try LedgerReader(directory: directory)
    return Data(try reader.lines(in: range).flatMap { $0 + [0x0a] })
}

private func lineCount(_ data: Data) -> Int { data.reduce(0) { $0 + ($1 == 0x0a ? 1 : 0) } }

/// Compares `text` with `Fixtures/golden/<name>`; with FLOWLEDGER_UPDATE_GOLDEN=1 rewrites the
/// file instead (review the diff before committing it).
private func expectGolden(_ text: String, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = Fixtures.url("golden/" + name)
    if ProcessInfo.processInfo.environment["FLOWLEDGER_UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try text.write(to: url, atomically: true, encoding: .utf8)
    }
    #expect(text == (try String(contentsOf: url, encoding: .utf8)), sourceLocation: sourceLocation)
}

/// A ledger with the same bytes on every run, for golden output: fixed Ed25519 seeds (test keys,
/// never used anywhere else), fixed event times, and a ledger clock that reads 08:00 + n minutes
/// for entry n. One entry of each kind a tail shows, 15 in all.
private struct GoldenLedger {
    let work: String
    let directory: String
    let rideKey: PrivateKey

    init() throws {
        work = try temporaryDirectory().path
        directory = work + "/ledger"
        let origin = "exchange.golden.example/2026"
        let operatorKey = try PrivateKey.ed25519(seed: [UInt8](repeating: 1, count: 32))
        rideKey = try PrivateKey.ed25519(seed: [UInt8](repeating: 2, count: 32))
        let transportKey = try PrivateKey.ed25519(seed: [UInt8](repeating: 3, count: 32))
        let auditKey = try PrivateKey.ed25519(seed: [UInt8](repeating: 4, count: 32))
        let rotatedKey = try PrivateKey.ed25519(seed: [UInt8](repeating: 5, count: 32))
        let at = try Timestamp(parsing: "2026-11-23T07:00:00Z")
        let start = try Timestamp(parsing: "2026-11-23T08:00:00Z").microsecondsSinceEpoch
        let clock = MinuteClock(start: start)
        var options = WriterOptions()
        options.clock = { clock.next() }

        let op = Participant(id: "ops.exchange", key: operatorKey, origin: origin)
        let ride = Participant(id: "ride.example", key: rideKey, origin: origin)
        let transport = Participant(id: "transport.sh", key: transportKey, origin: origin)
        let audit = Participant(id: "audit.sh", key: auditKey, origin: origin)
        let genesis = try SignedEvent(event: Event(id: "genesis", author: op.id, keyID: operatorKey.publicKey.keyID, at: at,
                                                   body: .genesis(GenesisBody(origin: origin, suite: .ed25519SHA256, operator: .init(party: op.id, name: "Exchange operator", key: operatorKey.publicKey)))),
                                      origin: origin, signer: operatorKey)
        let writer = try LedgerWriter.create(directory: directory, genesis: genesis, options: options)
        defer { writer.close() }
        let digest = HashAlgorithm.sha256.hash(Array("trip records".utf8)).hex
        let events: [SignedEvent] = [
            try op.sign(.partyRegistered(PartyRegisteredBody(party: ride.id, name: "Ride platform", kind: .enterprise, roles: [.provider], key: rideKey.publicKey)), id: "reg-ride", at: at),
            try op.sign(.partyRegistered(PartyRegisteredBody(party: transport.id, name: "Transport commission 交通委", kind: .government, roles: [.recipient], key: transportKey.publicKey)), id: "reg-transport", at: at),
            try op.sign(.partyRegistered(PartyRegisteredBody(party: audit.id, name: "Auditor", kind: .regulator, roles: [.regulator], key: auditKey.publicKey)), id: "reg-audit", at: at),
            try ride.sign(.datasetCataloged(DatasetCatalogedBody(dataset: "trips", title: "Trip records", sharing: .conditional, level: .important, fields: ["driver", "end", "start"])), id: "cat-trips", at: at),
            try ride.sign(.grantIssued(GrantIssuedBody(grant: "g-1", dataset: "trips", grantee: transport.id, purpose: "supervision", fields: ["end", "start"], from: at, until: Timestamp(parsing: "2027-11-23T00:00:00Z"), basis: "Transport regulation art. 12")), id: "grant-1", at: at),
            try ride.sign(.exchangeSent(ExchangeSentBody(exchange: "x-1", dataset: "trips", recipient: transport.id, grant: "g-1", purpose: "supervision", fields: ["end", "start"], records: 1200, bytes: 48_000, digest: digest)), id: "x-1", at: at),
            try transport.sign(.exchangeReceived(ExchangeReceivedBody(exchange: "x-1", digest: digest, records: 1200)), id: "ack-x-1", at: at),
            try transport.sign(.qualityReported(QualityReportedBody(dataset: "trips", exchange: "x-1", dimension: .timeliness, severity: .medium, note: "arrived \"2 h\" late\tagain")), id: "q-1", at: at),
            try audit.sign(.auditFinding(AuditFindingBody(subject: "x-1", finding: "delivery within grant", severity: .low)), id: "f-1", at: at),
            try ride.sign(.datasetReclassified(DatasetReclassifiedBody(dataset: "trips", sharing: .open, level: .general, reason: "anonymised")), id: "reclass-trips", at: at),
            try ride.sign(.grantRevoked(GrantRevokedBody(grant: "g-1", reason: "no longer needed")), id: "revoke-1", at: at),
            try op.sign(.partySuspended(PartyStatusBody(party: ride.id, reason: "overdue review")), id: "suspend-ride", at: at),
            try op.sign(.partyReinstated(PartyStatusBody(party: ride.id, reason: "review done")), id: "reinstate-ride", at: at),
            try transport.sign(.partyKeyRotated(PartyKeyRotatedBody(key: rotatedKey.publicKey)), id: "rotate-1", at: at),
        ]
        for event in events { _ = try writer.appendBlocking([event]) }  // one clock reading each
    }

    func remove() { try? FileManager.default.removeItem(atPath: work) }
}

/// A ledger clock that moves on by one minute at each reading.
private final class MinuteClock: @unchecked Sendable {
    private let lock = NSLock()
    private var now: Int64

    init(start: Int64) { now = start - 60_000_000 }

    func next() -> Int64 {
        lock.withLock {
            now += 60_000_000
            return now
        }
    }
}
