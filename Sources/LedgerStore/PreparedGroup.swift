import Dispatch
import LedgerCore
import LedgerCrypto

/// A group of requests whose signatures are being checked on other threads while the committer
/// is busy with the group before it.
final class PreparedGroup: @unchecked Sendable {
    let group: [Sequencer.Request]
    private var checked: [Sequencer.Checked] = []
    private let done = DispatchSemaphore(value: 0)

    /// Starts checking `group` under `keys` (resolved on the committer thread).
    init(_ group: [Sequencer.Request], keys: [PublicKey?], sequencer: Sequencer) {
        self.group = group
        let events = group.flatMap(\.events)
        let origin = sequencer.manifest.origin
        DispatchQueue.global().async { [self] in
            checked = Sequencer.check(events, keys: keys, origin: origin)
            done.signal()
        }
    }

    /// The checks, in event order, once done.
    func wait() -> [Sequencer.Checked] {
        done.wait()
        return checked
    }
}
