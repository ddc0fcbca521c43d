import LedgerCore

/// Reads the entries of a served ledger from one seq up to another a page at a time, keeping
/// ``LedgerMirror/pagesInFlight`` requests in flight so the network works while the caller
/// checks and writes what came before. Pages come back in seq order, each checked to be as long
/// as asked (a server that has fewer entries than it signed for is caught here).
///
/// Memory is bounded whatever the server sends: a request in flight takes at most
/// ``pageBytes``, and a page larger than that (lines of up to 65,535 bytes are honest) is asked
/// for again here, in parts of ``partLines`` lines, one page at a time, and later requests ask
/// for no more lines than always fit in one. (Each of twelve requests
/// took up to 64 MiB, three times over in copies: a hostile server took a mirror to a gigabyte.)
struct PageFetcher {
    /// The most bytes of one answer in flight: 12 of them are 96 MiB.
    static let pageBytes = 8 << 20
    /// Lines asked for at once for a page over ``pageBytes``: 64 of the longest are 4 MiB.
    static let partLines: Int64 = 64

    private let ledger: RemoteLedger
    private let end: Int64
    private var nextToAsk: Int64
    private var inFlight: [(from: Int64, limit: Int64, task: Task<Result<[[UInt8]], LedgerClientError>, Never>)] = []
    /// Lines asked for per request: ``LedgerMirror/pageSize`` until a page was too large for one
    /// request, then as many as always fit (a ledger of long lines is not downloaded twice).
    private var pageLimit = LedgerMirror.pageSize
    /// ``pageBytes`` and ``partLines`` (smaller in tests).
    private let limits: (pageBytes: Int, partLines: Int64)

    /// A reader of the entries `from..<end` of `ledger`.
    init(ledger: RemoteLedger, from: Int64, to end: Int64, limits: (pageBytes: Int, partLines: Int64) = (Self.pageBytes, Self.partLines)) {
        self.ledger = ledger
        self.end = end
        self.nextToAsk = from
        self.limits = limits
    }

    /// Cancels the requests still in flight.
    func cancel() { for request in inFlight { request.task.cancel() } }

    /// The next page of lines (each without its newline), or nil once `end` is reached.
    mutating func next() async throws(LedgerClientError) -> [[UInt8]]? {
        while inFlight.count < LedgerMirror.pagesInFlight && nextToAsk < end {
            let from = nextToAsk
            let limit = min(pageLimit, end - from)
            let ledger = self.ledger
            let pageBytes = limits.pageBytes
            let task = Task { () async -> Result<[[UInt8]], LedgerClientError> in
                do throws(LedgerClientError) {
                    return .success(try await ledger.lines(from: from, limit: limit, maxBytes: pageBytes))
                } catch {
                    return .failure(error)
                }
            }
            inFlight.append((from, limit, task))
            nextToAsk += limit
        }
        guard !inFlight.isEmpty else { return nil }
        let (from, expected, task) = inFlight.removeFirst()
        var lines: [[UInt8]]
        switch await task.value {
        case .success(let value): lines = value
        case .failure(let error) where error.answerTooLarge:
            // From now on, pages of as many lines of the longest length as fit in one request.
            pageLimit = max(1, min(pageLimit, Int64(limits.pageBytes / (CanonicalJSON.maxLineBytes + 1))))
            lines = []
            do throws(LedgerClientError) {
                while Int64(lines.count) < expected {
                    let at = from + Int64(lines.count)
                    let part = try await ledger.lines(from: at, limit: min(limits.partLines, expected - Int64(lines.count)), maxBytes: limits.pageBytes)
                    guard !part.isEmpty else { break }
                    lines += part
                }
            } catch {
                cancel()
                throw error
            }
        case .failure(let error):
            cancel()
            throw error
        }
        guard lines.count == expected else {
            cancel()
            throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/entries?from=\(from)&limit=\(expected): the server sent \(lines.count) entries, but it signed a checkpoint of size \(end), so it must have \(expected) from there; its history was truncated or it is broken. Report it to the ledger's regulator")
        }
        return lines
    }
}
