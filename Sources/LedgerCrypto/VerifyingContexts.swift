import COpenSSL
import Synchronization

/// Ed25519 verifying contexts for one public key, set up once and reused, as `openssl speed`
/// does. Setting one up (`EVP_DigestVerifyInit_ex`) fetches the signature algorithm under a
/// lock and costs about 3% of a verify; pure Ed25519's one-shot `EVP_DigestVerify` keeps no
/// state between calls, so a context can check any number of signatures one after another.
///
/// A context is used by one thread at a time: ``take()`` hands it out, ``giveBack(_:)`` returns
/// it. At most ``idleLimit`` wait between uses, one per thread that verifies with the key at once.
final class VerifyingContexts: Sendable {
    /// Contexts kept between uses; more are freed (a verifier uses one per core).
    static let idleLimit = 16

    // Addresses of idle EVP_MD_CTXs (an OpaquePointer is not Sendable; the pool owns them).
    private let idle = Mutex<[UInt]>([])
    // The key the contexts verify with; the PublicKey that owns this pool owns the key too.
    private let key: UInt

    init(key: OpaquePointer) {
        self.key = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(key)))
    }

    /// An idle context, or a new one set up for the key; nil only if OpenSSL cannot make one.
    func take() -> OpaquePointer? {
        if let address = idle.withLock({ $0.popLast() }), let context = OpaquePointer(bitPattern: address) {
            return context
        }
        guard let context = EVP_MD_CTX_new() else { return nil }
        guard EVP_DigestVerifyInit_ex(context, nil, nil, nil, nil, OpaquePointer(bitPattern: key), nil) == 1 else {
            EVP_MD_CTX_free(context)
            return nil
        }
        return context
    }

    /// Returns a context after a verify that succeeded.
    func giveBack(_ context: OpaquePointer) {
        let address = UInt(bitPattern: Int(bitPattern: UnsafeRawPointer(context)))
        let kept = idle.withLock { idle in
            guard idle.count < Self.idleLimit else { return false }
            idle.append(address)
            return true
        }
        if !kept { EVP_MD_CTX_free(context) }
    }

    deinit {
        for address in idle.withLock({ $0 }) {
            EVP_MD_CTX_free(OpaquePointer(bitPattern: address))
        }
    }
}
