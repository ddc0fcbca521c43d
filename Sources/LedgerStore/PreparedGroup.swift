import Dispatch
import LedgerCore
import LedgerCrypto

/// A group of requests whose signatures are being checked on other threads while the committer
/// is busy with the group before it.
final class PreparedGroup: @unchecked Sendable {
    let group: [WriterCore.Request]
    private var checked: [WriterCore.Checked] = []
    private let done = DispatchSemaphore(value: 0)

    /// Starts checking `group` under `keys` (resolved on the committer thread).
    init(_ group: [WriterCore.Request], keys: [PublicKey?], core: WriterCore) {
        self.group = group
        let events = group.flatMap(\.events)
        let origin = core.manifest.origin
        DispatchQueue.global().async { [self] in
            checked = WriterCore.check(events, keys: keys, origin: origin)
            done.signal()
        }
    }

    /// The checks, in event order, once done.
    func wait() -> [WriterCore.Checked] {
        done.wait()
        return checked
    }
}
