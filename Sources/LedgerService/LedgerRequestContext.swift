import Hummingbird
import NIOCore
import Synchronization

/// What a request carries through the service besides itself: who signed it, once checked.
package struct LedgerRequestContext: RequestContext {
    /// Hummingbird's own per-request storage.
    package var coreContext: CoreRequestContextStorage
    /// The registered party whose key signed the request (nil before the check, or for
    /// `--public-read` reads without a signature). Shared with the request log, which reads it
    /// after the handler (contexts are passed by value).
    package var party: String? {
        get { signer.withLock { $0 } }
        nonmutating set { signer.withLock { $0 = newValue } }
    }
    private let signer = SignerBox()
    /// The peer's address, for the request log.
    package let peer: String
    /// The channel the request came on (an HTTP/2 stream's own channel), for answers that
    /// must be able to end a connection whose client stopped reading.
    package let channel: any Channel

    /// A context for a request arriving on `source`'s channel.
    package init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        peer = source.channel.remoteAddress.map { "\($0.ipAddress ?? "?"):\($0.port ?? 0)" } ?? "?"
    }
}

/// Who signed, written by the handler and read by the request log.
private final class SignerBox: Sendable {
    private let party = Mutex<String?>(nil)
    func withLock<R>(_ body: (inout String?) -> R) -> R { party.withLock { body(&$0) } }
}
