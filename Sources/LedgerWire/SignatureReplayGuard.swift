import LedgerCrypto
import Synchronization

/// Remembers the request signatures a server has accepted, so that the same signed request sent
/// twice is refused (DESIGN §11.4: "or that it has already seen").
///
/// Each signature is remembered as SHA-256 of its bytes (32 bytes, not the signature) until
/// `expires + retention`; after `expires` the verifier refuses it as expired anyway, and the
/// retention (30 s by default) covers the server's own clock stepping back by that much. Forgetting
/// is driven by the `now` callers pass (no timers), in order of expiry through a min-heap:
/// O(log n) per call.
///
/// Bounded memory: at most ``capacity`` signatures, about 140 bytes each (dictionary entry and
/// heap entry with its holder), so the default 400,000 costs at most some 56 MB. A signature is kept
/// `lifetime + retention` after `created`: at the signer's default 60 s lifetime, 90 s, so the
/// default sustains about 4,400 signed requests per second (1,200 at the longest lifetime, 300 s),
/// more than two cores verify. When full it refuses new signatures with ``Admission/full``
/// (answer 503 with `Retry-After`) instead of forgetting one early, which would let that one be
/// replayed. One holder (the party that signed) may fill at most ``holderCapacity``, three
/// quarters of it: a party signing as fast as it can (and with the longest lifetime) cannot lock
/// the others out, who keep at least a quarter (100,000 signatures by default).
///
/// Thread-safe: one `Mutex` around the state; every call holds it for O(log n) work.
public final class SignatureReplayGuard: Sendable {
    /// What ``admit(signature:expires:now:)`` decided.
    public enum Admission: Sendable, Equatable {
        /// First time seen: remembered, accept the request.
        case admitted
        /// Seen before and not yet forgotten: refuse (401).
        case replayed
        /// Not seen, but the memory is full of unexpired signatures: refuse for now (503).
        case full
        /// Not seen, but its holder already fills its share (``holderCapacity``): refuse that
        /// holder for now (503); the others are still admitted.
        case holderFull
    }

    /// Most signatures remembered at once.
    public let capacity: Int
    /// Seconds past `expires` a signature is kept (a margin for the server's clock stepping back).
    public let retention: Int64

    /// Most signatures one holder may have remembered at once.
    public var holderCapacity: Int { max(1, capacity * 3 / 4) }

    private struct Entry {
        var forgetAt: Int64
        var key: Hash32
        var holder: String?
    }

    private struct State {
        var forgetAt: [Hash32: Int64] = [:]
        /// How many remembered signatures each holder has.
        var held: [String: Int] = [:]
        /// Min-heap on `forgetAt`; holds exactly the keys of `forgetAt`.
        var heap: [Entry] = []
    }

    private let state = Mutex(State())

    /// A guard remembering up to `capacity` signatures, each until `expires + retention`.
    public init(capacity: Int = 400_000, retention: Int64 = 30) {
        self.capacity = max(1, capacity)
        self.retention = retention
    }

    /// Records `signature` unless it was seen before, the memory is full, or `holder` (the party
    /// that signed it; nil for none) fills its share. Call it only after the signature verified,
    /// so that forged signatures cannot fill the memory.
    public func admit(signature: some Collection<UInt8>, expires: Int64, now: Int64, holder: String? = nil) -> Admission {
        let key = HashAlgorithm.sha256.hash(signature)
        let (forgetAt, overflow) = expires.addingReportingOverflow(retention)
        let until = overflow ? Int64.max : forgetAt
        return state.withLock { state in
            Self.prune(&state, now: now)
            if state.forgetAt[key] != nil { return .replayed }
            guard state.forgetAt.count < capacity else { return .full }
            if let holder {
                guard state.held[holder, default: 0] < holderCapacity else { return .holderFull }
                state.held[holder, default: 0] += 1
            }
            state.forgetAt[key] = until
            Self.push(&state.heap, Entry(forgetAt: until, key: key, holder: holder))
            return .admitted
        }
    }

    /// ``admit(signature:expires:now:)`` for a verified request signature, as an error.
    /// - Throws: ``RequestSignatureError/Code/replayed`` or
    ///   ``RequestSignatureError/Code/replayMemoryFull``.
    public func admit(_ parsed: ParsedRequestSignature, now: Int64) throws(RequestSignatureError) {
        // A verified FlowLedger signature always has `expires`; without one, keep it as long as
        // the verifier would accept its `created`.
        let expires = parsed.expires ?? (parsed.created ?? now) &+ RequestSignaturePolicy.maxLifetime
        switch admit(signature: parsed.signature, expires: expires, now: now) {
        case .admitted:
            return
        case .replayed:
            throw RequestSignatureError(.replayed, "Signature: this request signature was already used; sign every request afresh (each signature is accepted once)")
        case .full, .holderFull:
            throw RequestSignatureError(.replayMemoryFull, "the server is remembering \(capacity) recent request signatures, its limit; retry in a few seconds")
        }
    }

    /// How many signatures are remembered now (after the last call's pruning).
    public var count: Int { state.withLock { $0.forgetAt.count } }

    // MARK: - Forgetting

    /// Drops every entry whose time has passed (`forgetAt < now`).
    private static func prune(_ state: inout State, now: Int64) {
        while let first = state.heap.first, first.forgetAt < now {
            pop(&state.heap)
            state.forgetAt[first.key] = nil
            if let holder = first.holder {
                let left = state.held[holder, default: 1] - 1
                state.held[holder] = left > 0 ? left : nil
            }
        }
    }

    private static func push(_ heap: inout [Entry], _ entry: Entry) {
        heap.append(entry)
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard heap[child].forgetAt < heap[parent].forgetAt else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    private static func pop(_ heap: inout [Entry]) {
        guard !heap.isEmpty else { return }
        heap.swapAt(0, heap.count - 1)
        heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1
            let right = left + 1
            var smallest = parent
            if left < heap.count, heap[left].forgetAt < heap[smallest].forgetAt { smallest = left }
            if right < heap.count, heap[right].forgetAt < heap[smallest].forgetAt { smallest = right }
            if smallest == parent { return }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
    }
}
