import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

/// `GET tile/…` against a real `flowledger serve` (DESIGN §11.1, c2sp.org/tlog-tiles): hash tiles
/// and entry bundles byte for byte against what the lines alone say, bounded by the latest
/// published checkpoint, with the same read rule as every other read (§11.4).
@Suite(.serialized) struct TileServiceTests {
    @Test func tilesAndBundlesHoldTheTreeUpToTheLatestPublishedCheckpoint() async throws {
        // 300: a full level-0 tile and a partial one of 44; 700: two full ones and one of 188,
        // and at level 1 a partial tile of 2 (the roots of entries 0…255 and 256…511).
        let fixture = try await TileFixture(checkpointsAt: [300, 700])
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let client = TestClient(base: server.url, key: nil)

        func expectTile(_ path: String, _ expected: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) async throws {
            let answer = try await client.send(.GET, path)
            #expect(answer.status == 200, "\(path): \(answer.text)", sourceLocation: sourceLocation)
            #expect(answer.body == expected, "\(path): \(answer.body.count) bytes, expected \(expected.count)", sourceLocation: sourceLocation)
            #expect(answer.headers["Content-Type"].first == "application/octet-stream", sourceLocation: sourceLocation)
            #expect(answer.headers["Cache-Control"].first == "public, max-age=31536000, immutable", sourceLocation: sourceLocation)
        }
        try await expectTile("tile/0/000", TileFixture.bytes(fixture.leafHashes(0..<256)))
        try await expectTile("tile/0/001", TileFixture.bytes(fixture.leafHashes(256..<512)))
        try await expectTile("tile/0/002.p/188", TileFixture.bytes(fixture.leafHashes(512..<700)))
        try await expectTile("tile/0/001.p/44", TileFixture.bytes(fixture.leafHashes(256..<300)))  // the older checkpoint's
        try await expectTile("tile/0/000.p/1", TileFixture.bytes(fixture.leafHashes(0..<1)))
        try await expectTile("tile/1/000.p/2", TileFixture.bytes([fixture.subtreeHash(0..<256), fixture.subtreeHash(256..<512)]))
        try await expectTile("tile/1/000.p/1", TileFixture.bytes([fixture.subtreeHash(0..<256)]))
        try await expectTile("tile/entries/000", TileFixture.bundle(fixture.lines[0..<256]))
        try await expectTile("tile/entries/002.p/188", TileFixture.bundle(fixture.lines[512..<700]))
        try await expectTile("tile/entries/001.p/44", TileFixture.bundle(fixture.lines[256..<300]))

        // Beyond the latest published checkpoint: not served, whatever the log holds.
        for path in ["tile/0/002", "tile/0/002.p/189", "tile/0/003.p/1", "tile/1/000", "tile/2/000.p/1", "tile/entries/002",
                     "tile/entries/x001/000", "tile/63/x009/x223/x372/x036/x854/x775/807"] {
            let answer = try await client.send(.GET, path)
            #expect(answer.status == 404, "\(path): \(answer.text)")
            #expect(answer.wireError.code == "notFound", "\(path)")
            #expect(answer.wireError.message.contains("beyond the latest published checkpoint (size 700)"), "\(path): \(answer.wireError.message)")
        }
        // Paths that name no tile: one canonical name per tile.
        for path in ["tile/0/2", "tile/00/000", "tile/0/000.p/0", "tile/0/000.p/256", "tile/0/000.p/07", "tile/64/000",
                     "tile/0/x000/001", "tile/0/001/002", "tile/entries", "tile/0/", "tile/abc/000", "tile/0/000.p", "tile/-1/000",
                     "tile/0/x001/x002", "tile/0/0001", "tile/data/000", "tile//0/000", "tile/0//000", "tile/0/000/"] {
            let answer = try await client.send(.GET, path)
            #expect(answer.status == 400, "\(path): \(answer.text)")
            #expect(answer.wireError.code == "badRequest", "\(path)")
            #expect(answer.wireError.message.contains("is not a tile path"), "\(path): \(answer.wireError.message)")
        }
    }

    @Test func tilesAreReadsAndNeedARegisteredPartysSignature() async throws {
        let fixture = try await TileFixture(checkpointsAt: [10])
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve()
        defer { _ = server.stop() }

        let anonymous = try await TestClient(base: server.url, key: nil).send(.GET, "tile/0/000.p/10")
        #expect(anonymous.status == 401, "\(anonymous.text)")
        #expect(anonymous.wireError.code == "unauthenticated")
        let stranger = try await TestClient(base: server.url, key: try PrivateKey.generate(suite: .ed25519SHA256)).send(.GET, "tile/entries/000.p/10")
        #expect(stranger.status == 401, "\(stranger.text)")
        let auditor = try await TestClient(base: server.url, key: fixture.scenario.auditorKey).send(.GET, "tile/0/000.p/10")
        #expect(auditor.status == 200, "\(auditor.text)")
        #expect(auditor.body == TileFixture.bytes(fixture.leafHashes(0..<10)))
        // Signed reads only: no shared cache may keep it for others.
        #expect(auditor.headers["Cache-Control"].first == "private, max-age=31536000, immutable")
    }

    @Test func noTileIsServedBeforeAnyCheckpointIsPublished() async throws {
        let fixture = try await ServiceFixture()
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let answer = try await TestClient(base: server.url, key: nil).send(.GET, "tile/0/000.p/1")
        #expect(answer.status == 404)
        #expect(answer.wireError.message.contains("no checkpoint has been published yet"), "\(answer.wireError.message)")
    }

    @Test func checkpointsPublishedWhileServingExtendTheTiles() async throws {
        let fixture = try await TileFixture(checkpointsAt: [300])
        defer { fixture.scenario.removeAll() }
        let key = try fixture.keyFile(fixture.scenario.operatorKey, "operator.pem")
        let server = try await fixture.serve(["--public-read", "--operator-key", key, "--checkpoint-interval", "50ms"])
        defer { _ = server.stop() }
        let reader = TestClient(base: server.url, key: nil)
        #expect(try await reader.send(.GET, "tile/0/001.p/54").status == 404)

        let platform = TestClient(base: server.url, key: fixture.scenario.platformKey)
        let events = try (1000..<1010).map { try fixture.scenario.exchange($0) }
        let appended = try await platform.send(.POST, "v1/entries?wait=checkpoint", body: ServiceFixture.body(events))
        #expect(appended.status == 200, "\(appended.text)")
        let tile = try await reader.send(.GET, "tile/0/001.p/54")
        #expect(tile.status == 200, "\(tile.text)")
        let lines = try LedgerReader(directory: fixture.directory).lines(in: 256..<310)
        #expect(tile.body == TileFixture.bytes(lines.map { Entry.leafHash(line: $0, hash: fixture.hash) }))
    }

    @Test func sm2LedgersServeTheSameLayoutWithSM3Hashes() async throws {
        let fixture = try await TileFixture(suite: .sm2SM3, checkpointsAt: [260])
        defer { fixture.scenario.removeAll() }
        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let client = TestClient(base: server.url, key: nil)
        let level0 = try await client.send(.GET, "tile/0/000")
        #expect(level0.status == 200)
        #expect(level0.body == TileFixture.bytes(fixture.leafHashes(0..<256)))
        #expect(level0.body != TileFixture.bytes(fixture.lines[0..<256].map { Entry.leafHash(line: $0, hash: .sha256) }))
        let level1 = try await client.send(.GET, "tile/1/000.p/1")
        #expect(level1.body == TileFixture.bytes([fixture.subtreeHash(0..<256)]))
        let bundle = try await client.send(.GET, "tile/entries/001.p/4")
        #expect(bundle.body == TileFixture.bundle(fixture.lines[256..<260]))
    }
}
