import LedgerCore
import LedgerCrypto

/// A group of requests whose signatures are being checked on every core (``BackgroundWork``)
/// while the committer is busy with the group before it.
final class PreparedGroup: Sendable {
    let group: [Sequencer.Request]
    private let checks: BackgroundWork<[Sequencer.Checked]>

    /// Starts checking `group` under `keys` (resolved on the committer thread).
    init(_ group: [Sequencer.Request], keys: [PublicKey?], sequencer: Sequencer) {
        self.group = group
        let events = Sequencer.events(of: group)
        let origin = sequencer.manifest.origin
        checks = BackgroundWork { Sequencer.check(events, keys: keys, origin: origin) }
    }

    /// The checks, in event order, once done.
    func wait() -> [Sequencer.Checked] { checks.wait() }
}
