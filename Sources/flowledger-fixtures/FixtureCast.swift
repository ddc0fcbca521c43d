import FlowLedger
import Foundation
import Synchronization

/// The parties of the fixtures and their TEST-ONLY keys (Fixtures/keys), and a ledger clock
/// that only moves when the generator says so: fixed keys and fixed times make every run
/// write the same bytes.
struct FixtureCast {
    let keys: [String: PrivateKey]

    /// Loads every `TEST-ONLY-<name>.pem` in `directory`.
    init(keysDirectory directory: String) throws {
        var keys: [String: PrivateKey] = [:]
        for file in try FileManager.default.contentsOfDirectory(atPath: directory) where file.hasPrefix("TEST-ONLY-") && file.hasSuffix(".pem") {
            let name = String(file.dropFirst(10).dropLast(4))
            keys[name] = try PrivateKey(pem: String(contentsOfFile: directory + "/" + file, encoding: .utf8), source: file)
        }
        self.keys = keys
    }

    /// The key named `name` (the file TEST-ONLY-`name`.pem).
    func key(_ name: String) -> PrivateKey {
        guard let key = keys[name] else { fatalError("Fixtures/keys/TEST-ONLY-\(name).pem is missing") }
        return key
    }

    /// `party` signing with the key named `keyName`, for the ledger `origin`.
    func participant(_ party: String, key keyName: String, origin: String) -> Participant {
        Participant(id: party, key: key(keyName), origin: origin)
    }
}

/// Ledger time that advances only through ``advance(seconds:)``; shared with the writer's clock.
final class FixedClock: Sendable {
    /// Microseconds since the epoch; read by the writer's thread, moved on by the generator's.
    private let microseconds: Mutex<Int64>

    /// A clock showing `start`.
    init(start: String) { microseconds = Mutex(try! Timestamp(parsing: start).microsecondsSinceEpoch) }

    /// The current time.
    var now: Timestamp { Timestamp(microsecondsSinceEpoch: microseconds.withLock { $0 }) }

    /// Moves the clock on.
    func advance(seconds: Int64) { microseconds.withLock { $0 += seconds * 1_000_000 } }

    /// Writer options whose clock is this one.
    func writerOptions(segmentLimit: Int64) -> WriterOptions {
        var options = WriterOptions()
        options.clock = { [self] in microseconds.withLock { $0 } }
        options.segmentLimit = segmentLimit
        options.durability = .never  // fixtures are rebuilt from scratch; fsync would only slow generation
        return options
    }
}
