import FlowLedger
import Foundation
import LedgerTestSupport
import Testing

/// A client nobody here wrote reads the served log: Go's `golang.org/x/mod/sumdb/tlog` and
/// `sumdb/note` (Debian's golang-golang-x-mod-dev, built offline) fetch the tiles and entry
/// bundles of a real `flowledger serve --public-read`, open its checkpoints under the operator's
/// verifier key, and prove records and consistency (Fixtures/go-tlog-check/main.go).
/// scripts/install-deps.sh installs Go; without it this test is skipped, saying so.
@Suite struct TilesGoCrossCheckTests {
    static let go = ["/usr/bin/go", "/usr/lib/go/bin/go", "/usr/local/go/bin/go"].first { FileManager.default.isExecutableFile(atPath: $0) }
    /// Where Debian's golang-golang-x-mod-dev puts the sources (GOPATH mode).
    static let gopath = "/usr/share/gocode"

    @Test(.enabled(if: go != nil, "go is not installed; scripts/install-deps.sh installs golang-go and golang-golang-x-mod-dev for this cross-check"),
          .timeLimit(.minutes(2)))
    func goSumdbTlogVerifiesTheServedTilesCheckpointsAndProofs() async throws {
        let module = Self.gopath + "/src/golang.org/x/mod/sumdb/tlog/tile.go"
        try #require(FileManager.default.fileExists(atPath: module),
                     "\(module) is missing: install golang-golang-x-mod-dev (scripts/install-deps.sh does)")
        let fixture = try await TileFixture(checkpointsAt: [300, 700])
        defer { fixture.scenario.removeAll() }

        let program = fixture.work + "/go-tlog-check"
        let build = try await Self.offThePool([
            "/usr/bin/env", "GO111MODULE=off", "GOPATH=\(Self.gopath)", "GOPROXY=off", "GOFLAGS=", "GOTOOLCHAIN=local",
            "GOCACHE=\(FileManager.default.temporaryDirectory.path)/flowledger-go-cache",
            Self.go!, "build", "-o", program, Fixtures.url("go-tlog-check/main.go").path,
        ])
        try #require(build.status == 0, "go build failed: \(build.stderr)")

        let server = try await fixture.serve(["--public-read"])
        defer { _ = server.stop() }
        let vkey = try VerifierKey(name: fixture.scenario.origin, publicKey: fixture.scenario.operatorKey.publicKey, algorithm: .ed25519).string
        let check = try await Self.offThePool([program, server.url, vkey, "300", "0", "1", "255", "256", "299", "511", "512", "699"])
        #expect(check.status == 0, "go-tlog-check: \(check.stderr)")
        #expect(String(decoding: check.stdout, as: UTF8.self) == "ok size=700 old=300 entries=700 records=8\n")

        // The same client refuses a checkpoint under another operator key: the check is real.
        let other = try VerifierKey(name: fixture.scenario.origin, publicKey: try PrivateKey.generate(suite: .ed25519SHA256).publicKey, algorithm: .ed25519).string
        let refused = try await Self.offThePool([program, server.url, other, "300"])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("note.Open"), "\(refused.stderr)")
    }

    /// Runs a program to its end on a thread of its own, not on one the test tasks share.
    static func offThePool(_ arguments: [String]) async throws -> (status: Int32, stdout: Data, stderr: String) {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try run(arguments) }) }.start()
        }
    }
}
