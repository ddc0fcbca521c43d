import Foundation

/// Waits until `condition` holds, checking every 20 ms, for at most `seconds` (generous: the
/// machine may be slow and shared); throws if it never does. Synchronises a test with another
/// process without guessing how long it takes.
public func waitUntil(_ what: String, seconds: Double = 60, _ condition: () throws -> Bool) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while try !condition() {
        guard Date() < deadline else { throw FixtureError("gave up after \(seconds) s waiting for \(what)") }
        try await Task.sleep(for: .milliseconds(20))
    }
}
