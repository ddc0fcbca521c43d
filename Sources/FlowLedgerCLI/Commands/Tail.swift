import ArgumentParser
import FlowLedger
#if canImport(Glibc)
import Glibc
#endif
import LedgerPostgres
import LedgerStore
import LedgerVerify

/// `flowledger tail (DIR|URL|postgres://…) [-f] [-n N | --from SEQ | --since TIME] [--until TIME] [--type T] [--party P]
/// [--dataset D] [-o pretty|json|raw] [--cursor-file FILE] [--verify] [--max-events N] [--timeout D]`
struct Tail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the last entries of a ledger; with -f, follow new ones as they are appended (like tail -F).",
        discussion: """
            Where to start: the last 10 entries (-n N: the last N that pass the filters; -n 0 with -f: \
            only new ones), --from SEQ, or --since TIME (the first entry at or after that ledger time). \
            TIME is RFC 3339 UTC (2026-11-23T08:00:00Z) or a span back from now (90s, 15m, 1h, 2d, 1h30m). \
            With --cursor-file FILE, a recorded position in FILE wins over these, so a script can run \
            the same command again after a restart and go on where it stopped.
            -f follows new entries live, whoever appends them, across segment roll-over; it sleeps on \
            inotify while the ledger is idle (no polling). It ends on Ctrl-C or SIGTERM (exit 0), when \
            stdout is closed (`| head`, exit 0), after --max-events N printed entries, after --timeout, \
            or at the first entry later than --until.
            Filters (repeat an option for alternatives; different options must all hold): --type T \
            (a prefix of the type: `exchange.` takes both exchange types), --party P (the author, or \
            the party the event names: recipient, grantee, registered or suspended party), --dataset D.
            Output (-o): pretty, one readable line per entry: seq, ledger time, type, author → \
            counterparty, dataset and key facts as name=value, in colour only on a terminal without \
            NO_COLOR (the default on a terminal); json, one canonical compact JSON object per line \
            for jq, {"author","event","hash","seq","time","type"} with the stored event and the \
            entry's leaf hash in hex (the default otherwise); raw, the stored line exactly.
            --cursor-file FILE holds the seq of the next entry to look at; it is replaced atomically \
            after each printed batch (a kill between printing and recording repeats that batch).
            --verify replays the ledger from genesis (signatures in parallel) up to the start, then \
            checks each entry before it is printed: chain, seq, time, rules and signature. At a break \
            it prints the entries before it, names the file, line, seq and rule, and exits 1.
            From a served ledger's URL (--key signs the requests; not needed with --public-read), -f \
            follows GET v1/events and reconnects by itself; every entry's seq and prev are checked, \
            and with --verify the ledger is replayed from genesis as it streams (the rules and every \
            signature), each streamed checkpoint checked against the operator's key (--vkey, else \
            the one the server names), the --witness-key cosignatures, the root of the entries \
            received and the checkpoint remembered in --checkpoint-file.
            From a PostgreSQL store's postgres:// URL (DESIGN §12; a standby will do), the committed \
            rows are read in seq order, each entry's seq, prev and time checked as it is read, and -f \
            wakes on the store's notifications (polling every 200 ms on a standby).
            Exit codes: 0 done (or stopped by a signal, a closed pipe, a limit), 1 --verify found a \
            break, 2 usage or I/O error.
            """)

    @OptionGroup var ledger: LedgerLocation

    @Flag(name: .shortAndLong, help: "Follow: keep printing new entries as they are appended.")
    var follow = false

    @Option(name: [.customShort("n"), .customLong("lines")], help: ArgumentHelp("Print the last N entries that pass the filters (default 10).", valueName: "N"))
    var lines: Int64?

    // Unconditional: `--from -1` reaches the check below instead of reading as an option.
    @Option(parsing: .unconditional, help: ArgumentHelp("Start at entry SEQ.", valueName: "SEQ"))
    var from: Int64?

    @Option(help: ArgumentHelp("Start at the first entry at or after TIME (RFC 3339 UTC, or a span back from now such as 1h).", valueName: "TIME"))
    var since: String?

    @Option(help: ArgumentHelp("Print no entry later than TIME (same forms as --since); with -f, exit at the first later entry.", valueName: "TIME"))
    var until: String?

    @Option(help: ArgumentHelp("Only entries whose type starts with T, e.g. exchange. or grant.issued (repeatable).", valueName: "T"))
    var type: [String] = []

    @Option(help: ArgumentHelp("Only entries by party P or naming P as the counterparty (repeatable).", valueName: "P"))
    var party: [String] = []

    @Option(help: ArgumentHelp("Only entries about dataset D (repeatable).", valueName: "D"))
    var dataset: [String] = []

    @Option(name: .shortAndLong, help: ArgumentHelp("pretty, json or raw (default: pretty on a terminal, json otherwise).", valueName: "FORMAT"))
    var output: String?

    @Option(name: .customLong("cursor-file"), help: ArgumentHelp("Start from the position recorded in FILE (if it exists) and record it there as entries are printed.", valueName: "FILE"))
    var cursorFile: String?

    @Flag(help: "Check the chain and signatures from genesis, and each entry before printing it; stop with exit 1 at a break.")
    var verify = false

    @Option(name: .customLong("max-events"), help: ArgumentHelp("Exit after printing N entries.", valueName: "N"))
    var maxEvents: Int?

    @Option(help: ArgumentHelp("Exit after this long (90s, 15m, 1h; a bare number is seconds).", valueName: "DURATION"))
    var timeout: String?

    @Option(help: ArgumentHelp("With a URL: a registered party's private key, to sign the requests (not needed with --public-read).", valueName: "KEY.pem"))
    var key: String?

    @OptionGroup var trust: RemoteTrust

    func validate() throws {
        if [lines != nil, from != nil, since != nil].filter({ $0 }).count > 1 {
            throw ValidationError("-n counts back from the end, --from and --since name a start: give one of them")
        }
        if let lines, lines < 0 { throw ValidationError("-n must be 0 or more") }
        if let from, from < 0 { throw ValidationError("--from must be a seq, 0 or more") }
        if let maxEvents, maxEvents < 1 { throw ValidationError("--max-events must be at least 1") }
        if let output, EntryFormatter.Format(rawValue: output) == nil { throw ValidationError("-o must be pretty, json or raw, not \"\(output)\"") }
        if let timeout, RelativeTime.duration(timeout) == nil {
            throw ValidationError("--timeout: \"\(timeout)\" is not a duration; write it as 90s, 15m, 1h, 2d or 1h30m (a bare number is seconds)")
        }
    }

    func run() async throws {
        Output.ignoreBrokenPipe()
        // Ctrl-C, SIGTERM and a closed pipe end a tail normally (exit 0): the printing task stops
        // between batches, so the batch in hand is printed and recorded in the cursor file first.
        let stopTarget = StopWatch.Target()
        StopWatch.start { stopTarget.stop() }
        let filter = try TailFilter(types: type, parties: party, datasets: dataset)
        let now = Timestamp.now()
        let untilTime = try until.map { try RelativeTime.instant($0, now: now, option: "--until") }
        let cursor = cursorFile.map(CursorFile.init(path:))
        let source: TailSource
        let batches: any AsyncSequence<[StoredEntry], any Error> & Sendable
        let session: TailSession
        if let url = ledger.url {
            let remote = try await trust.connect(url, keyFile: key)
            source = TailSource(remote: remote, size: try await remote.size())
            let start = try await startSeq(source: source, filter: filter, cursor: cursor, until: untilTime, now: now)
            session = TailSession(locator: nil, filter: filter, formatter: formatter(remote.suite.hash), until: untilTime,
                                  maxEvents: maxEvents, cursor: cursor, verifier: nil)
            if !follow && start >= source.size { return }
            // The follower checks seq and prev, and with --verify replays from genesis itself.
            // Without -f it gives up on a server that brings none of the entries it still
            // owes (it reconnected for ever); with -f it says on stderr each time it has to
            // reconnect after a failure, instead of going quiet while the server is gone.
            let follower = remote.follow(from: start).verifying(verify)
            batches = follow
                ? follower.reportingTrouble { attempt, reason in
                    Output.error("flowledger: \(reason); reconnecting (attempt \(attempt))")
                }.batches
                : follower.patient(.init(attempts: 3, stall: .seconds(60))).batches
        } else if PostgresAddress.isStore(ledger.location) {
            if trust.isGiven { throw CommandFailure("--vkey, --witness-key, --checkpoint-file and --ca are for a served ledger's URL") }
            // A PostgreSQL store, read directly (a standby will do): committed rows in seq order.
            let log = try PostgresStore.openReader(address: try PostgresAddress(ledger.location))
            source = try TailSource(log: log)
            let start = try await startSeq(source: source, filter: filter, cursor: cursor, until: untilTime, now: now)
            let locator = BreakLocator(log: log)
            var verifier: IncrementalVerifier?
            if verify {
                var checker = IncrementalVerifier(origin: log.manifest.origin, hash: log.manifest.suite.hash)
                if let broken = try checker.catchUp(log: log, to: start) { throw TailSession.failure(broken, locator: locator) }
                verifier = checker
            }
            session = TailSession(locator: locator, filter: filter, formatter: formatter(log.manifest.suite.hash), until: untilTime,
                                  maxEvents: maxEvents, cursor: cursor, verifier: verifier)
            if !follow && start >= source.size { return }
            // The follower checks seq, prev and time order as it reads.
            batches = StoreEntryFollower(log: log, from: start)
        } else {
            if trust.isGiven { throw CommandFailure("--vkey, --witness-key, --checkpoint-file and --ca are for a served ledger's URL") }
            let reader = try LedgerReader(directory: ledger.location)
            source = TailSource(reader: reader)
            let start = try await startSeq(source: source, filter: filter, cursor: cursor, until: untilTime, now: now)
            var verifier: IncrementalVerifier?
            if verify {
                var checker = IncrementalVerifier(origin: reader.manifest.origin, hash: reader.hash)
                if let broken = try checker.catchUp(reader: reader, to: start) { throw TailSession.failure(broken, locator: BreakLocator(reader: reader)) }
                verifier = checker
            }
            session = TailSession(locator: BreakLocator(reader: reader), filter: filter, formatter: formatter(reader.hash), until: untilTime,
                                  maxEvents: maxEvents, cursor: cursor, verifier: verifier)
            if !follow && start >= source.size { return }
            batches = EntryFollower(reader: reader, from: start).batches
        }
        let size = source.size
        let follow = self.follow
        let work = Task {
            var session = session
            for try await batch in batches {
                // Without -f, only what was there when tail started.
                let shown = follow ? batch : batch.filter { $0.seq < size }
                guard try session.take(shown), follow || shown.count == batch.count && batch.last!.seq + 1 < size else { return }
            }
        }
        stopTarget.attach(work)
        let timer = timeout.flatMap(RelativeTime.duration).map { micros in
            Task {
                try await Task.sleep(for: .microseconds(micros))
                work.cancel()
            }
        }
        defer { timer?.cancel() }
        do {
            try await work.value
        } catch let error as LedgerClientError {
            throw CommandFailure(error, context: "tail \(source.name)")
        }
    }

    /// How entries are printed: -o, else pretty on a terminal (in colour unless NO_COLOR) and json otherwise.
    private func formatter(_ hash: HashAlgorithm) -> EntryFormatter {
        let terminal = isatty(1) != 0
        let format = output.flatMap(EntryFormatter.Format.init(rawValue:)) ?? (terminal ? .pretty : .json)
        let noColour = getenv("NO_COLOR").map { $0.pointee != 0 } ?? false
        return EntryFormatter(format: format, colour: format == .pretty && terminal && !noColour, hash: hash)
    }

    /// The first seq to look at: the cursor file's if it has one, else --from, --since, or the
    /// start of the last -n entries (10 by default) that pass the filters, up to --until.
    private func startSeq(source: TailSource, filter: TailFilter, cursor: CursorFile?,
                          until: Timestamp?, now: Timestamp) async throws -> Int64 {
        let size = source.size
        if let cursor, let recorded = try cursor.read() {
            guard recorded <= size else {
                throw CommandFailure("--cursor-file \(cursor.path): records seq \(recorded), but \(source.name) has only \(size) entries; is it the cursor of another ledger? Delete it to start over")
            }
            return recorded
        }
        if let from {
            guard from <= size || follow else {
                throw CommandFailure("--from \(from): \(source.name) has \(size) entries (0…\(size - 1)); add -f to wait for entry \(from)")
            }
            return from
        }
        if let since {
            let time = try RelativeTime.instant(since, now: now, option: "--since")
            return try await Self.firstSeq(source: source, below: size) { $0.time >= time }
        }
        var end = size
        if let until { end = try await Self.firstSeq(source: source, below: size) { $0.time > until } }
        return try await Self.startOfLast(lines ?? 10, before: end, source: source, filter: filter)
    }

    /// The first seq below `size` whose entry satisfies `isAfter` (false…false true…true, as
    /// ledger time never decreases), or `size`; a binary search reading O(log n) entries.
    private static func firstSeq(source: TailSource, below size: Int64, _ isAfter: (Entry) -> Bool) async throws -> Int64 {
        var low: Int64 = 0
        var high = size
        while low < high {
            let middle = low + (high - low) / 2
            if isAfter(try await source.entry(middle)) { high = middle } else { low = middle + 1 }
        }
        return low
    }

    /// Where the last `count` entries before `end` that pass `filter` start, reading backwards
    /// only as far as needed.
    private static func startOfLast(_ count: Int64, before end: Int64, source: TailSource, filter: TailFilter) async throws -> Int64 {
        guard count > 0 else { return end }
        if filter.isEmpty { return max(0, end - count) }
        var found: Int64 = 0
        var upper = end
        while upper > 0 {
            let lower = max(0, upper - 1000)
            let entries = try await source.entries(lower..<upper)
            for entry in entries.reversed() where filter.matches(entry) {
                found += 1
                if found == count { return entry.seq }
            }
            upper = lower
        }
        return 0
    }
}
