import LedgerCore
import LedgerCrypto
import Synchronization

/// The rules' state of a log another process writes, kept current by replaying what it commits:
/// what a `serve` front end that is not the ledger's writer checks request signatures against
/// (the registered parties and their keys, ``partyDirectory``) and serves reads up to (``size``).
///
/// It starts from the writer's state snapshot (or genesis) and replays every committed line
/// after it through the ``ReplayEngine``, which checks seq, `prev`, time order and the rules as
/// it goes; signatures are skipped, as in a writer's recovery, because every committed line
/// passed a sequencer that checked them. A line that breaks the chain stops the follower with
/// a ``StoreError/Code/damaged`` error: it never serves past a break.
package final class LedgerFollower: Sendable {
    /// The log it follows.
    package let reader: any ServedLog

    private struct Replay: @unchecked Sendable {  // used only under `replay`'s lock
        var engine: ReplayEngine
        let history: HistoryTables
    }
    private let replay: Mutex<Replay>
    private let published: Mutex<(size: Int64, directory: PartyDirectory)>

    /// A follower of `reader` from `state` (a snapshot of the writer's state, with `history`
    /// holding every (author, id) and exchange up to it), or from genesis when `state` is nil.
    package init(reader: any ServedLog, resuming state: LedgerState?, history: HistoryTables) {
        self.reader = reader
        var engine: ReplayEngine
        if let state {
            engine = ReplayEngine(resuming: state, hash: reader.manifest.suite.hash, signatures: .skip)
            if state.size > 0 { engine.attach(history: history) }
        } else {
            history.clear()
            engine = ReplayEngine(manifest: reader.manifest, signatures: .skip)
        }
        published = Mutex((engine.size, PartyDirectory(engine.state)))
        replay = Mutex(Replay(engine: engine, history: history))
    }

    /// Entries replayed: nothing at or beyond it is served.
    package var size: Int64 { published.withLock { $0.size } }

    /// The registered parties and their keys as of ``size``.
    package var partyDirectory: PartyDirectory { published.withLock { $0.directory } }

    /// Replays every line committed since the last call, a window at a time; returns whether
    /// ``size`` grew.
    /// - Throws: ``StoreError`` when the log cannot be read, or (``StoreError/Code/damaged``)
    ///   when a committed line breaks the chain or the rules.
    @discardableResult
    package func catchUp() throws(StoreError) -> Bool {
        let end = try reader.size()
        return try replay.withLock { replay throws(StoreError) -> Bool in
            let start = replay.engine.size
            guard start < end else { return false }
            var source = ReaderLineSource(store: reader, range: start..<end)
            let outcome = try replay.engine.run(from: &source) { _ in .proceed }
            if case .broken(let problem) = outcome {
                throw StoreError(.damaged, "\(reader.name): \(problem); this front end serves nothing past entry \(replay.engine.size - 1); \(reader.fullReportAdvice)")
            }
            // The history keeps what the rules must remember; the state keeps only what is new.
            replay.history.apply(HistoryDelta(recentIn: replay.engine.state))
            replay.engine.attach(history: replay.history)
            let (size, directory) = (replay.engine.size, PartyDirectory(replay.engine.state))
            published.withLock { $0 = (size, directory) }
            return size > start
        }
    }
}
