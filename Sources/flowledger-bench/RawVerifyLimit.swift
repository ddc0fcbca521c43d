import Foundation
import FlowLedger

/// The physical limit every benchmark is read against: OpenSSL's raw signature verification
/// (PublicKey.verify) of pre-signed events, on one core and spread over all cores.
enum RawVerifyLimit {
    /// Verifies `events` over and over for at least `minimumSeconds`: on this thread (one core),
    /// then over all cores. Best of three rounds, since the machine may be shared.
    /// - Returns: verifies per second on one core and on all cores, and how many were done.
    static func measure(events: [SignedEvent], origin: String, key: PublicKey, minimumSeconds: Double) throws
        -> (one: Double, all: Double, verified: (one: Int, all: Int)) {
        let count = events.count
        let messages = try parallelMap(count) { events[$0].event.signingMessage(origin: origin) }
        var one = 0.0
        var all = 0.0
        var verified = (one: 0, all: 0)
        for _ in 0..<3 {
            var done = 0
            var start = nanos()
            repeat {
                for index in 0..<count where !key.verify(signature: events[index].signature, message: messages[index]) {
                    throw BenchError("the signature of pre-signed event \(index) does not verify")
                }
                done += count
            } while seconds(since: start) < minimumSeconds / 2
            one = max(one, Double(done) / seconds(since: start))
            verified.one += done
            done = 0
            start = nanos()
            repeat {
                let valid = try parallelMap(count) { key.verify(signature: events[$0].signature, message: messages[$0]) }
                guard valid.allSatisfy({ $0 }) else { throw BenchError("a pre-signed event does not verify") }
                done += count
            } while seconds(since: start) < minimumSeconds
            all = max(all, Double(done) / seconds(since: start))
            verified.all += done
        }
        return (one, all, verified)
    }

    /// Measures the limit with `events` signed by `cast`'s provider (1.5 s a round) and prints
    /// it: one core, then all cores. Returns the all-core rate.
    static func printed(cast: StoreCast, events: [SignedEvent]) throws -> Double {
        let (one, all, _) = try measure(events: events, origin: cast.origin, key: cast.providerKey.publicKey, minimumSeconds: 1.5)
        rateLine("verify, one core", one)
        rateLine("verify, all \(ProcessInfo.processInfo.activeProcessorCount) cores (the limit)", all, String(format: "(%.2fx one core)", all / one))
        return all
    }

    /// `openssl speed -multi N -seconds 2 ed25519`'s verify rate on all N cores: OpenSSL's own
    /// figure for the machine, beside ours (which verifies real events' longer messages through
    /// the EVP API); nil when the command is missing or prints no such line.
    static func opensslSpeed() -> Double? {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let out = NSTemporaryDirectory() + "/openssl-speed.out"
        guard let status = try? runChild(["/usr/bin/openssl", "speed", "-multi", String(cores), "-seconds", "2", "ed25519"], stdoutPath: out, stderrPath: out + ".err"),
              status == 0, let text = try? String(contentsOfFile: out, encoding: .utf8) else { return nil }
        // "+F6:…" machine lines vary by version; the table row ends in "sign/s verify/s".
        guard let row = text.split(separator: "\n").last(where: { $0.contains("Ed25519") }) else { return nil }
        return row.split(separator: " ").last.flatMap { Double($0) }
    }

    /// ``printedOpensslSpeed()`` for the Ed25519 suite; nil for another (`openssl speed` has
    /// no SM2 figure to set beside ours).
    static func printedOpensslSpeed(suite: Suite) -> Double? {
        suite == .ed25519SHA256 ? printedOpensslSpeed() : nil
    }

    /// Prints `rate` as a share of the best of `speeds` (``opensslSpeed()`` runs), beside
    /// `goal`; nothing when there were none.
    static func printShareOfOpensslSpeed(_ rate: Double, speeds: [Double], goal: Double) {
        guard let speed = speeds.max() else { return }
        let share = rate / speed
        line("  … of openssl speed (best \(grouped(Int(speed)))/s)", String(format: "%9.2f   goal ≥ %.2f: %@", share, goal, share >= goal ? "met" : "NOT met"))
    }

    /// ``opensslSpeed()``, printed.
    static func printedOpensslSpeed() -> Double? {
        let rate = opensslSpeed()
        if let rate { rateLine("openssl speed -multi \(ProcessInfo.processInfo.activeProcessorCount) ed25519, verify", rate) }
        else { line("openssl speed", "not available") }
        return rate
    }
}
