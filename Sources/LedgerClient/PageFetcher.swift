import LedgerCore

/// Reads the entries of a served ledger from one seq up to another a page at a time, keeping
/// ``LedgerMirror/pagesInFlight`` requests in flight so the network works while the caller
/// checks and writes what came before. Pages come back in seq order, each checked to be as long
/// as asked (a server that has fewer entries than it signed for is caught here).
struct PageFetcher {
    private let ledger: RemoteLedger
    private let end: Int64
    private var nextToAsk: Int64
    private var inFlight: [(from: Int64, task: Task<Result<[[UInt8]], LedgerClientError>, Never>)] = []

    /// A reader of the entries `from..<end` of `ledger`.
    init(ledger: RemoteLedger, from: Int64, to end: Int64) {
        self.ledger = ledger
        self.end = end
        self.nextToAsk = from
    }

    /// Cancels the requests still in flight.
    func cancel() { for request in inFlight { request.task.cancel() } }

    /// The next page of lines (each without its newline), or nil once `end` is reached.
    mutating func next() async throws(LedgerClientError) -> [[UInt8]]? {
        while inFlight.count < LedgerMirror.pagesInFlight && nextToAsk < end {
            let from = nextToAsk
            let limit = min(LedgerMirror.pageSize, end - from)
            let ledger = self.ledger
            let task = Task { () async -> Result<[[UInt8]], LedgerClientError> in
                do throws(LedgerClientError) {
                    return .success(try await ledger.lines(from: from, limit: limit))
                } catch {
                    return .failure(error)
                }
            }
            inFlight.append((from, task))
            nextToAsk += limit
        }
        guard !inFlight.isEmpty else { return nil }
        let (from, task) = inFlight.removeFirst()
        let lines: [[UInt8]]
        switch await task.value {
        case .success(let value): lines = value
        case .failure(let error):
            cancel()
            throw error
        }
        let expected = min(LedgerMirror.pageSize, end - from)
        guard lines.count == expected else {
            cancel()
            throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/entries?from=\(from)&limit=\(expected): the server sent \(lines.count) entries, but it signed a checkpoint of size \(end), so it must have \(expected) from there; its history was truncated or it is broken. Report it to the ledger's regulator")
        }
        return lines
    }
}
