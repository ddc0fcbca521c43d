import Foundation
import LedgerTestSupport
import Testing

/// Numbers at the edges of Int64 in the reads' queries and in `Last-Event-ID`, against a real
/// `flowledger serve`: each gets an answer (empty, 400 or 404), and the server lives on. A seq of
/// 2^63 − 1 once overflowed `from + limit` and `last + 1`, and one unsigned request killed it.
@Suite(.serialized) struct ReadBoundsTests {
    @Test func readsAnswerNumbersAtTheEdgesOfInt64AndTheServerLivesOn() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let anyone = TestClient(base: server.url, key: nil)
        let (max, min, beyond) = (String(Int64.max), String(Int64.min), "9223372036854775808")

        let entries = try await anyone.send(.GET, "v1/entries?from=\(max)&limit=1000")
        #expect(entries.status == 200 && entries.body.isEmpty, "\(entries.status) \(entries.text)")
        let paths = [
            "v1/entries?from=\(max)", "v1/entries?from=\(min)", "v1/entries?from=\(beyond)", "v1/entries?from=0&limit=\(max)",
            "v1/proof?seq=\(max)", "v1/proof?seq=\(max)&size=\(max)", "v1/proof?seq=0&size=\(max)", "v1/proof?seq=\(min)&size=\(min)",
            "v1/consistency?old=\(max)&new=\(max)", "v1/consistency?old=0&new=\(max)", "v1/consistency?old=\(min)",
            "v1/checkpoints/\(max)", "v1/checkpoints/\(beyond)",
        ]
        for path in paths {
            let answer = try await anyone.send(.GET, path)
            #expect([200, 400, 404].contains(answer.status), "\(path): \(answer.status) \(answer.text)")
            if answer.status != 200 { #expect(!answer.wireError.message.isEmpty, "\(path)") }
        }
        for last in [max, beyond, "-1"] {
            let stream = try await anyone.send(.GET, "v1/events", headers: [("Last-Event-ID", last)])
            #expect(stream.status == 400, "Last-Event-ID \(last): \(stream.status) \(stream.text)")
            #expect(stream.wireError.message.contains("is not a seq this server sent"), "\(stream.text)")
        }

        let health = try await anyone.send(.GET, "healthz")
        #expect(health.status == 200, "the server must outlive every request above: \(health.status)")
        #expect(server.stop() == 0)
    }

    /// A seq or size has one spelling: a sign, a leading zero, a negative number or a parameter
    /// given twice is a 400 naming it (they were read as numbers, so two URLs named one
    /// resource, and `seq=-1` was a 404 where `from=-1` was a 400); so is a consistency proof
    /// asked from a larger size to a smaller one.
    @Test func aSeqOrSizeHasOneSpelling() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let anyone = TestClient(base: server.url, key: nil)
        #expect(try await anyone.send(.GET, "v1/proof?seq=5").status != 400)
        for (path, words) in [
            ("v1/proof?seq=%2B5", "seq=+5: give a decimal number of 0 or more"), ("v1/proof?seq=05", "seq=05: give a decimal number"),
            ("v1/proof?seq=-1", "seq=-1: give a decimal number"), ("v1/entries?from=0&limit=010", "limit=010: give a decimal number"),
            ("v1/proof?seq=5&seq=6", "seq is given 2 times"), ("v1/consistency?old=7&new=3", "old=7 is larger than new=3"),
            ("v1/events?from=07", "from=07: give a decimal number"),
        ] {
            let answer = try await anyone.send(.GET, path)
            #expect(answer.status == 400, "\(path): \(answer.status) \(answer.text)")
            #expect(answer.wireError.message.contains(words), "\(path): \(answer.wireError.message)")
        }
    }
}
