import ArgumentParser
import FlowLedger
import LedgerCore
import LedgerStore

/// `flowledger append DIR --key KEY.pem --author ID [FILE|-]` and `flowledger append DIR --signed [FILE|-]`;
/// `flowledger append URL --key KEY.pem (--author ID | --signed) [--wait-checkpoint] [FILE|-]` for a served ledger.
struct Append: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append events from JSON lines; print one receipt {\"hash\",\"seq\"} per line once it is durable.",
        discussion: """
            With --key and --author each line is {"type":…,"body":{…}[,"id":…][,"at":…]}, signed here \
            (give "id" and "at" so that running the same input again is idempotent: without them each run makes a new event). With --signed each line is \
            an event signed elsewhere, {"event":{…},"sig":"…"}, in canonical JSON.
            Lines are appended in order, in batches as they arrive. At the first line that is rejected \
            the command stops: the lines before it are appended (their receipts printed), the rest are \
            not, and the error names the line and the rule (exit 1). Appending the same events again \
            returns their original receipts, so the input can simply be run again after a fix.
            To a served ledger (URL), --key is always needed: it signs the requests (a registered \
            party's key; with --author it also signs the events, with --signed it signs only the \
            requests). Lines go in requests of up to 1000, each all or nothing, with the same \
            stop-at-the-first-refusal promise. --wait-checkpoint waits until a published checkpoint \
            covers each request and prints each receipt with its proof, checked against the \
            operator's key (--vkey, else the one the server names). --fsync, --segment-bytes and \
            --snapshot-entries are the server's business there.
            """)

    @OptionGroup var ledger: LedgerLocation

    @Argument(help: "The input file, or - for stdin (the default).")
    var input: String?

    @Option(help: "The author's private key (PEM, mode 0600), to sign each line.")
    var key: String?

    @Option(help: "The author's party id.")
    var author: String?

    @Flag(help: "The lines are already signed events {\"event\",\"sig\"}.")
    var signed = false

    @Option(help: "When appends are made durable: batch (one fsync per batch, default), always (one per line), never.")
    var fsync: String = WriterOptions.Durability.batch.rawValue

    @Option(name: .customLong("segment-bytes"), help: "Start a new segment file past this size (default 64 MiB).")
    var segmentBytes: Int64?

    @Option(name: .customLong("batch-lines"), help: "Append at most this many lines per batch (default 4096; the first batches are smaller and double up to it); each batch is one write and one fsync.")
    var batchLines: Int = 4096

    @Option(name: .customLong("snapshot-entries"), help: "Write the writer's state snapshot and history rows every this many entries (default: 8192, or a sixteenth of the ledger up to 65536): at most what opening after a crash replays.")
    var snapshotEntries: Int64?

    @Flag(name: .customLong("wait-checkpoint"), help: "With a URL: answer once a published checkpoint covers the lines, each receipt with its checked proof.")
    var waitCheckpoint = false

    @OptionGroup var trust: RemoteTrust

    func validate() throws {
        if ledger.url != nil {
            guard key != nil else { throw ValidationError("a served ledger needs --key KEY.pem: a registered party's key signs each request") }
            guard signed != (author != nil) else { throw ValidationError("give --author to sign the lines with --key, or --signed for lines signed elsewhere") }
        } else if waitCheckpoint || trust.isGiven {
            throw ValidationError("--wait-checkpoint, --vkey, --witness-key, --checkpoint-file and --ca are for a served ledger's URL")
        } else if signed {
            guard key == nil, author == nil else { throw ValidationError("--signed takes no --key or --author: the lines carry their signatures") }
        } else {
            guard key != nil, author != nil else { throw ValidationError("give --key and --author to sign the lines, or --signed for lines signed elsewhere") }
        }
        guard WriterOptions.Durability(rawValue: fsync) != nil else { throw ValidationError("--fsync must be batch, always or never") }
        if let segmentBytes, segmentBytes < 1 { throw ValidationError("--segment-bytes must be positive") }
        guard batchLines >= 1 else { throw ValidationError("--batch-lines must be at least 1") }
        if let snapshotEntries, snapshotEntries < 1 { throw ValidationError("--snapshot-entries must be at least 1") }
    }

    func run() async throws {
        if let url = ledger.url { return try await appendRemote(url) }
        let signer = try key.map { Participant(id: author!, key: try KeyFile.read($0), origin: "") }
        var options = WriterOptions()
        options.durability = WriterOptions.Durability(rawValue: fsync)!
        if let segmentBytes { options.segmentLimit = segmentBytes }
        if let snapshotEntries { options.snapshotEvery = snapshotEntries }
        let input = try FileInput(path: input)
        // Lines signed elsewhere need nothing of the ledger to be parsed, so the first ones are
        // parsed while it opens (a million-entry ledger's snapshot and key filter take about
        // 50 ms of one core to read), up to a full batch.
        let (location, openingOptions) = (ledger.location, options)
        let opening = BackgroundWork { Result { try WriterOpening.open(location, options: openingOptions) } }
        var early: [FileInput.Line] = []
        var earlyParsed: [Result<SignedEvent, FormatError>] = []
        if signer == nil {
            do {
                while !opening.isDone, early.count < batchLines {
                    let lines = try input.nextLines(limit: min(Self.firstBatchLines, batchLines - early.count))
                    if lines.isEmpty { break }
                    early += lines
                    earlyParsed += lines.map { line in Result { () throws(FormatError) in try Self.parseSigned(line.bytes) } }
                    if case .failure = earlyParsed.last { break }  // stop reading at an unreadable line
                }
            } catch {
                // The opening finishes, and its writer closes, before the command exits: exiting
                // under it (an input line too long, say) crashed one run in twelve, the process's
                // exit tearing down libcrypto and SQLite while the opening still used them.
                if case .success(let writer) = opening.wait() { writer.close() }
                throw error
            }
        }
        let writer = try opening.wait().get()
        defer { writer.close() }
        let origin = writer.manifest.origin
        // Two batches in flight: the next one's signatures are checked while the one before it
        // is written and synced. A batch is submitted `after` the previous one, so nothing past
        // a refused line is ever appended.
        var inFlight: Batch?
        // The first batches are small and double up to --batch-lines: no core checks a signature
        // until the first batch is parsed, and 4,096 lines took 27 ms to parse.
        var limit = min(batchLines, max(Self.firstBatchLines, early.count))
        while true {
            let lines: [FileInput.Line]
            let parsed: [Result<SignedEvent, FormatError>]
            if !early.isEmpty {
                (lines, parsed) = (early, earlyParsed)
                early = []
            } else {
                lines = try input.nextLines(limit: limit)
                // Parsed (and signed) on this thread, not spread over the cores: the cores are
                // busy checking the previous batch's signatures, and work queued behind that
                // would make this batch late for the committer's look-ahead, leaving a core idle
                // while the previous batch is written.
                parsed = lines.map { line -> Result<SignedEvent, FormatError> in
                    Result { () throws(FormatError) -> SignedEvent in
                        if let signer { return try Self.sign(line.bytes, as: signer, origin: origin) }
                        return try Self.parseSigned(line.bytes)
                    }
                }
            }
            limit = min(limit * 2, batchLines)
            if lines.isEmpty {
                if let inFlight { try settle(inFlight, writer: writer, input: input.name) }
                return
            }
            let valid = parsed.prefix { if case .success = $0 { true } else { false } }.map { try! $0.get() }
            var unreadable: CommandFailure?
            if valid.count < parsed.count, case .failure(let error) = parsed[valid.count] {
                unreadable = CommandFailure("\(input.name) line \(lines[valid.count].number): \(error); this line and the ones after it were not appended", exit: .rejected)
            }
            let batch = Batch(lines: lines, events: valid, unreadable: unreadable, ticket: writer.submit(valid, after: inFlight?.ticket))
            if let previous = inFlight { try settle(previous, writer: writer, input: input.name) }
            inFlight = batch
            if unreadable != nil { try settle(batch, writer: writer, input: input.name) }
        }
    }

    /// The size of the first batch appended to a local ledger (the next ones double).
    static let firstBatchLines = 256

    /// One batch of input lines on its way into the ledger.
    private struct Batch {
        let lines: [FileInput.Line]
        let events: [SignedEvent]
        /// The first line that could not be read, if any (the batch holds the lines before it).
        let unreadable: CommandFailure?
        let ticket: AppendTicket
    }

    /// Waits for `batch`, prints its receipts, and throws at a refused or unreadable line after
    /// appending the lines before it, as the command promises.
    private func settle(_ batch: Batch, writer: LedgerWriter, input: String) throws {
        do {
            Self.printReceipts(try batch.ticket.wait())
        } catch {
            let index = error.batchIndex ?? 0
            let failure = CommandFailure("\(input) line \(batch.lines[index].number): \(error.violation.map { "\($0)" } ?? error.message); this line and the ones after it were not appended", exit: error.code == .io ? .usage : .rejected)
            if index > 0 {
                Self.printReceipts(try writer.appendBlocking(Array(batch.events.prefix(index))))
            }
            throw failure
        }
        if let unreadable = batch.unreadable { throw unreadable }
    }

    /// Appends to a served ledger: requests of up to ``RemoteLedger/maxBatch`` lines, one after
    /// the other; at a refused line, the lines before it are appended again (idempotently, so
    /// their receipts print) and the command stops as it does on a directory.
    private func appendRemote(_ url: String) async throws {
        let remote = try await trust.connect(url, keyFile: key)
        defer { Task { await remote.close() } }
        let signer = try author.map { Participant(id: $0, key: try KeyFile.read(key!), origin: remote.origin) }
        let input = try FileInput(path: input)
        let wait: RemoteLedger.Wait = waitCheckpoint ? .checkpoint : .durable
        while true {
            let lines = try input.nextLines(limit: min(batchLines, RemoteLedger.maxBatch))
            if lines.isEmpty { return }
            var events: [SignedEvent] = []
            var unreadable: CommandFailure?
            for line in lines {
                do {
                    events.append(try signer.map { try Self.sign(line.bytes, as: $0, origin: remote.origin) } ?? Self.parseSigned(line.bytes))
                } catch {
                    unreadable = CommandFailure("\(input.name) line \(line.number): \(error); this line and the ones after it were not appended", exit: .rejected)
                    break
                }
            }
            guard !events.isEmpty else { throw unreadable! }
            do {
                Self.printReceipts(try await remote.append(events, wait: wait))
            } catch {
                guard let index = error.batchIndex, error.code == .rejected || error.code == .refused, index < lines.count else {
                    throw CommandFailure(error, context: "\(input.name) lines \(lines[0].number)–\(lines[events.count - 1].number)")
                }
                if index > 0 {
                    Self.printReceipts(try await remote.append(Array(events.prefix(index)), wait: wait))
                }
                throw CommandFailure("\(input.name) line \(lines[index].number): \(error.violation.map { "\($0)" } ?? error.message); this line and the ones after it were not appended",
                                     exit: error.code == .rejected || error.wire?.status == 400 ? .rejected : .usage)
            }
            if let unreadable { throw unreadable }
        }
    }

    /// Prints `receipts`, one line each, in one write (not one per entry).
    private static func printReceipts(_ receipts: [Receipt]) {
        var text = ""
        for receipt in receipts {
            text += receipt.description
            text += "\n"
        }
        Output.raw(text)
    }

    /// A `{"event","sig"}` line, which must be canonical JSON.
    static func parseSigned(_ bytes: ArraySlice<UInt8>) throws(FormatError) -> SignedEvent {
        try SignedEvent(canonicalLine: bytes)
    }

    /// An unsigned input line, signed by `signer` for `origin`.
    static func sign(_ bytes: ArraySlice<UInt8>, as signer: Participant, origin: String) throws(FormatError) -> SignedEvent {
        let event = try EventInput.event(line: bytes, author: signer.id, keyID: signer.key.publicKey.keyID)
        do {
            return try SignedEvent(event: event, origin: origin, signer: signer.key)
        } catch let error as FormatError {
            throw error
        } catch {
            throw FormatError(.invalidValue, field: "", "cannot sign: \(error)")
        }
    }
}
