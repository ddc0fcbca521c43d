import FlowLedger
import Hummingbird
import Foundation
import LedgerCore
@testable import LedgerClient
import LedgerTestSupport
import NIOCore
import Synchronization
import Testing

/// The client against servers that lie (``HostileProxy`` in front of real `flowledger serve`
/// processes, or the parser fed what a hostile server could send): each lie is an error the
/// participant sees, never a trap, a hang or memory without bound.
@Suite(.serialized) struct HostileServerTests {
    /// A server that streams one history under a checkpoint signed for another: the follower
    /// reads the checkpoint published before the stream opened (the stream brings only newer
    /// ones) and compares it with the entries' root once they reach its size.
    @Test func aFollowerCatchesEntriesThatDoNotHaveThePublishedCheckpointsRoot() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        // Two histories signed by one operator key: the original (10 entries) and a fork (11).
        let fork = try await fixture.fork()
        let original = try await fixture.serve(["--public-read"])
        defer { _ = original.stop() }
        let forked = try await ServedProcess(ledger: fork, ["--public-read"], scratch: fixture.work)
        defer { _ = forked.stop() }
        // The original's checkpoint, the fork's entries.
        let (signing, streaming) = (original.url, forked.url)
        let proxy = try await HostileProxy { path in (path.hasPrefix("checkpoint") ? signing : streaming) + path }
        defer { proxy.stop() }
        let signedSize = try #require(try FileManager.default.contentsOfDirectory(atPath: fixture.directory + "/checkpoints")
            .compactMap { Int64($0.replacingOccurrences(of: ".checkpoint", with: "")) }.max())

        let ledger = try await RemoteLedger.connect(to: proxy.url, key: nil)
        var seen: [Int64] = []
        do {
            for try await entry in ledger.follow(from: 0) {
                seen.append(entry.seq)
                if seen.count == signedSize + 1 { break }  // all of the fork's
            }
            Issue.record("the follower handed out \(seen.count) entries of a history the checkpoint does not sign")
        } catch let error as LedgerClientError {
            #expect(error.code == .untrustworthy, "\(error)")
            #expect(error.message.contains("checkpoint size \(signedSize) signs root"), "\(error.message)")
        }
        #expect(seen.count < signedSize, "entries up to the checkpoint's size are not all handed out: \(seen)")
        await ledger.close()
    }

    /// A server that answers every `v1/entries?from=S&limit=1` with an entry, whatever S: the
    /// client's search for the size gives up with an error where its doubling once overflowed.
    @Test func aServerWithAnEntryAtEverySeqIsAnErrorNotATrap() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let real = server.url
        let proxy = try await HostileProxy { path in real + (path.hasPrefix("v1/entries?") ? "v1/entries?from=0&limit=1" : path) }
        defer { proxy.stop() }
        let ledger = try await RemoteLedger.connect(to: proxy.url, key: nil)
        do {
            let size = try await ledger.size()
            Issue.record("size() believed \(size)")
        } catch {
            #expect(error.code == .malformedAnswer, "\(error)")
            #expect(error.message.contains("answers with an entry at every seq"), "\(error.message)")
        }
        await ledger.close()
    }

    /// A server that answers `v1/checkpoints/N` with a checkpoint of another size: refused,
    /// where the proof once came out between the sizes the server chose (an empty one, "verified").
    @Test func aCheckpointOfAnotherSizeThanAskedIsRefused() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.servePublishing(["--public-read"])
        defer { _ = server.stop() }
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        _ = try await ledger.append([try fixture.scenario.exchange(1), try fixture.scenario.exchange(2)], wait: .checkpoint)
        let latest = try await ledger.latestCheckpoint().checkpoint.size
        await ledger.close()
        let real = server.url
        let proxy = try await HostileProxy { path in real + (path.hasPrefix("v1/checkpoints/") ? "checkpoint" : path) }
        defer { proxy.stop() }
        let client = try await RemoteLedger.connect(to: proxy.url, key: nil)
        do {
            let (proof, _, _) = try await client.consistencyProof(old: 2, new: latest)
            Issue.record("a proof of \(proof.path.count) hashes came out of checkpoints of other sizes")
        } catch {
            #expect(error.code == .malformedAnswer, "\(error)")
            #expect(error.message.contains("answered the checkpoint of size \(latest), not 2"), "\(error.message)")
        }
        await client.close()
    }

    /// An event that never ends (`data:` lines and no blank line) stops the parser at
    /// ``EventStreamParser/maxEventBytes``, where it once grew until the client ran out of memory.
    @Test func anEventThatNeverEndsIsRefusedAtItsLimit() throws {
        var parser = EventStreamParser()
        let line = Array("data: ".utf8) + [UInt8](repeating: UInt8(ascii: "a"), count: 512 << 10) + [0x0a]
        _ = try parser.feed(Array("id: 0\nevent: entry\n".utf8))
        var fed = 0
        #expect(throws: EventStreamParser.Overflow.self) {
            while fed < 64 << 20 {
                _ = try parser.feed(line)
                fed += line.count
            }
        }
        #expect(fed <= EventStreamParser.maxEventBytes, "\(fed) bytes of one event were taken")
        // Events within the limits still come through.
        var fresh = EventStreamParser()
        let events = try fresh.feed(Array("id: 7\nevent: entry\ndata: {}\n\n".utf8))
        #expect(events == [EventStreamParser.Event(id: "7", type: "entry", data: Array("{}".utf8))])
    }

    /// A server that sends an answer's head and then its body a byte a second: the request ends
    /// at the client's timeout, where AsyncHTTPClient's own deadline stopped at the head and the
    /// call waited for ever.
    @Test(.timeLimit(.minutes(1))) func anAnswerDribbledForEverEndsAtTheRequestTimeout() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let real = server.url
        let proxy = try await HostileProxy(answer: { path in path == "v1/ledger" ? HostileProxy.dribbling() : nil }) { real + $0 }
        defer { proxy.stop() }
        var options = RemoteLedgerOptions()
        options.requestTimeout = 2
        options.retries = 0
        let started = ContinuousClock.now
        let error = await Self.failureConnecting(to: proxy.url, options: options)
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        #expect(error?.message.contains("no complete answer from \(proxy.url)v1/ledger within 2 s") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(20))
    }

    /// A server that never finishes its answers is asked twice, not once per retry allowed:
    /// nine attempts of a full timeout each held a `mirror` for minutes.
    @Test(.timeLimit(.minutes(1))) func aServerThatTimesOutIsAskedOnceMore() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let (proxy, asked) = try await Self.proxy(server, answering: "v1/ledger") { HostileProxy.dribbling() }
        defer { proxy.stop() }
        var options = RemoteLedgerOptions()
        options.requestTimeout = 3  // room for a busy machine to connect and send within it
        let error = await Self.failureConnecting(to: proxy.url, options: options)
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        #expect(error?.message.contains("2 times") == true, "\(String(describing: error))")
        #expect(asked.value == 2)
    }

    /// An answer larger than any FlowLedger answer is refused at the client's limit, once: it
    /// was retried eight times (half a gigabyte downloaded) and reported as "cannot reach".
    @Test(.timeLimit(.minutes(1))) func anAnswerWithoutEndIsMalformedAndNotAskedAgain() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let (proxy, asked) = try await Self.proxy(server, answering: "v1/ledger") {
            Response(status: .ok, headers: [.contentType: "application/json"], body: ResponseBody { writer in
                let chunk = ByteBuffer(repeating: 0x20, count: 1 << 20)
                while true { try await writer.write(chunk) }
            })
        }
        defer { proxy.stop() }
        let error = await Self.failureConnecting(to: proxy.url)
        #expect(error?.code == .malformedAnswer, "\(String(describing: error))")
        #expect(error?.message.contains("\(proxy.url)v1/ledger: the answer is larger than 64 MiB") == true, "\(String(describing: error))")
        #expect(asked.value == 1)
    }

    /// A follower that must come to an end gives up on a stream that brings only keep-alive
    /// comments (`tail URL` without -f reconnected to it for ever); a live one says each time it
    /// reconnects after a failure.
    @Test(.timeLimit(.minutes(1))) func aFollowerWithPatienceGivesUpOnAStreamOfCommentsAlone() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let real = server.url
        let proxy = try await HostileProxy(answer: { path in
            guard path.hasPrefix("v1/events") else { return nil }
            return Response(status: .ok, headers: [.contentType: "text/event-stream"], body: ResponseBody { writer in
                while true {
                    try await writer.write(ByteBuffer(string: ":\n\n"))
                    try await Task.sleep(for: .milliseconds(200))
                }
            })
        }) { real + $0 }
        defer { proxy.stop() }
        let ledger = try await RemoteLedger.connect(to: proxy.url, key: nil)
        let troubles = Mutex<[String]>([])
        let follower = ledger.follow(from: 0).verifying(false)
            .patient(.init(attempts: 3, stall: .seconds(1)))
            .reportingTrouble { attempt, reason in troubles.withLock { $0.append("\(attempt): \(reason)") } }
        let started = ContinuousClock.now
        do {
            for try await _ in follower { Issue.record("an entry from a stream of comments") }
            Issue.record("the follower ended without an error")
        } catch let error as LedgerClientError {
            #expect(error.code == .unreachable, "\(error)")
            #expect(error.message.contains("3 connections in a row brought no entry from seq 0 on"), "\(error.message)")
        }
        await ledger.close()
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(troubles.withLock { $0 }.count == 2, "\(troubles.withLock { $0 })")
        #expect(troubles.withLock { $0 }.allSatisfy { $0.contains("no entry for 1 s, only keep-alive comments") })
    }

    /// A page of entries larger than a request in flight may take is read again in parts, and
    /// comes out whole and in order; a line longer than an entry line may be is refused, naming
    /// its seq. (Twelve requests of up to 64 MiB each took a mirror to a gigabyte.)
    @Test func aPageTooLargeForOneRequestComesInPartsAndAnOverlongLineIsRefused() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let appender = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        _ = try await appender.append(try (0..<40).map { try fixture.scenario.exchange($0) })
        await appender.close()
        let ledger = try await RemoteLedger.connect(to: server.url, key: nil)
        let size = try await ledger.size()
        let whole = try await ledger.lines(from: 0, limit: size)
        var fetcher = PageFetcher(ledger: ledger, from: 0, to: size, limits: (pageBytes: 8 << 10, partLines: 4))
        var read: [[UInt8]] = []
        while let page = try await fetcher.next() { read += page }
        #expect(whole.reduce(0) { $0 + $1.count } > 8 << 10, "the page fits one request; the test proves nothing")
        #expect(read == whole)
        await ledger.close()

        let real = server.url
        let proxy = try await HostileProxy(answer: { path in
            guard path.hasPrefix("v1/entries") else { return nil }
            return Response(status: .ok, headers: [.contentType: "application/x-ndjson"],
                            body: .init(byteBuffer: ByteBuffer(string: "{}\n" + String(repeating: "x", count: 70_000) + "\n")))
        }) { real + $0 }
        defer { proxy.stop() }
        let hostile = try await RemoteLedger.connect(to: proxy.url, key: nil)
        await #expect { try await hostile.lines(from: 5, limit: 2) } throws: { error in
            let error = error as! LedgerClientError
            return error.code == .malformedAnswer && error.message.contains("entry 6 is 70000 bytes, and an entry line is at most 65535")
        }
        await hostile.close()
    }

    /// An address where nothing listens is given up after two attempts (each one AsyncHTTPClient's
    /// 10 s of connecting again), not nine: `flowledger vkey` of a mistyped port took 101 s.
    /// (By address, and by a host name, whose refusals come wrapped per address tried.)
    @Test(.timeLimit(.minutes(1)), arguments: ["127.0.0.1", "localhost"])
    func anAddressWhereNothingListensIsGivenUpSoon(host: String) async throws {
        let url = "http://\(host):\(freeLocalPort())/"
        let started = ContinuousClock.now
        let error = await Self.failureConnecting(to: url)
        #expect(error?.code == .unreachable, "\(String(describing: error))")
        #expect(error?.message.contains("\(url)v1/ledger: connection refused, 2 attempts") == true, "\(String(describing: error))")
        #expect(ContinuousClock.now - started < .seconds(40))
    }

    /// A redirect is not followed: it would take the request, and its signature (replayable for
    /// its lifetime), to a server the user never named. The error names where it pointed.
    @Test func aRedirectIsNotFollowed() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let real = server.url
        let (proxy, _) = try await Self.proxy(server, answering: "v1/ledger") { Response(status: .found, headers: [.location: real + "v1/ledger"]) }
        defer { proxy.stop() }
        let error = await Self.failureConnecting(to: proxy.url)
        #expect(error?.code == .refused, "\(String(describing: error))")
        #expect(error?.message.contains("redirected (HTTP 302) to \(real)v1/ledger") == true, "\(String(describing: error))")
    }

    /// A server that goes back to an older checkpoint: consistent with what the copy verified,
    /// so `mirror` succeeds, but it says so instead of reporting the old checkpoint as news.
    @Test func aMirrorSaysWhenTheServerWentBackToAnOlderCheckpoint() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.servePublishing(["--public-read"])
        defer { _ = server.stop() }
        let ledger = try await RemoteLedger.connect(to: server.url, key: fixture.scenario.platformKey)
        let first = try await ledger.append(try fixture.scenario.exchange(1), wait: .checkpoint)
        let proof = try #require(first.proof)
        let older = try #require(Int64(proof.checkpoint.split(separator: "\n")[1]))  // the note's size line
        _ = try await ledger.append([try fixture.scenario.exchange(2), try fixture.scenario.exchange(3)], wait: .checkpoint)
        await ledger.close()
        let copy = fixture.work + "/copy"
        let upToDate = try await flowledgerAsync(["mirror", server.url, copy])
        #expect(upToDate.status == 0, "\(upToDate.err)")

        let real = server.url
        let proxy = try await HostileProxy { path in real + (path == "checkpoint" ? "v1/checkpoints/\(older)" : path) }
        defer { proxy.stop() }
        let again = try await flowledgerAsync(["mirror", proxy.url, copy])
        #expect(again.status == 0, "\(again.err)")
        #expect(again.err.contains("note: the server's latest checkpoint (size \(older)) is older than the entries this copy verified before"), "\(again.err)")
    }

    /// A stream ends when its signature expires, so a follower reconnects every lifetime; a
    /// server that answers 503 then (busy, or its replay memory full) makes it pause and come
    /// back, where it once ended the follower. Entries are neither lost nor repeated across it.
    @Test(.timeLimit(.minutes(1))) func aFollowerReconnectsThroughA503AfterItsStreamExpires() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }
        let real = server.url
        let opened = Mutex(0)
        let proxy = try await HostileProxy(answer: { path in
            guard path.hasPrefix("v1/events") else { return nil }
            // The second and third openings are refused as a busy server refuses them.
            let count = opened.withLock { $0 += 1; return $0 }
            guard count == 2 || count == 3 else { return nil }
            return Response(status: .serviceUnavailable, headers: [.contentType: "application/json", .retryAfter: "1"],
                            body: .init(byteBuffer: ByteBuffer(string: #"{"error":{"code":"unavailable","message":"busy"}}"#)))
        }) { real + $0 }
        defer { proxy.stop() }
        var options = RemoteLedgerOptions()
        options.signatureLifetime = 2
        let ledger = try await RemoteLedger.connect(to: proxy.url, key: fixture.scenario.auditorKey, options: options)
        let size = try await ledger.size()
        let writer = try await RemoteLedger.connect(to: real, key: fixture.scenario.platformKey)
        let appending = Task {
            try await Task.sleep(for: .seconds(4))  // after the first stream expired and the 503s
            _ = try await writer.append(try fixture.scenario.exchange(1))
        }
        var seen: [Int64] = []
        for try await entry in ledger.follow(from: 0).verifying(false) {
            seen.append(entry.seq)
            if entry.seq == size { break }
        }
        try await appending.value
        #expect(seen == Array(0...size), "\(seen)")
        #expect(opened.withLock { $0 } >= 4, "the follower reconnected through the two 503s")
        await ledger.close()
        await writer.close()
    }

    /// A ``HostileProxy`` in front of `server` that makes up `answer` for `path` (the rest goes
    /// to `server`), and how often it did.
    private static func proxy(_ server: ServedProcess, answering path: String,
                              with answer: @escaping @Sendable () -> Response) async throws -> (HostileProxy, Asked) {
        let real = server.url
        let asked = Asked()
        let proxy = try await HostileProxy(answer: { asking in
            guard asking == path else { return nil }
            asked.add()
            return answer()
        }) { real + $0 }
        return (proxy, asked)
    }

    /// The error connecting to `url` ends in; nil (and an issue recorded) if it connected.
    private static func failureConnecting(to url: String, options: RemoteLedgerOptions = RemoteLedgerOptions()) async -> LedgerClientError? {
        do {
            let ledger = try await RemoteLedger.connect(to: url, key: nil, options: options)
            Issue.record("connected to \(url)")
            await ledger.close()
            return nil
        } catch {
            return error
        }
    }

    /// How often a proxy made up its answer.
    private final class Asked: Sendable {
        private let count = Mutex(0)
        func add() { count.withLock { $0 += 1 } }
        var value: Int { count.withLock { $0 } }
    }
}
