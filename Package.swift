// swift-tools-version:6.0
// FlowLedger — an append-only, hash-chained, signed audit ledger for cross-boundary data exchange.
// The contract (formats, hashing, signing, CLI) is ../shared/DESIGN.md; the layout follows
// ../shared/STYLE.md: crypto is isolated over OpenSSL, the core is pure values and math, storage
// and the participants' library sit on top, and the CLI is a library with a one-line main.
import PackageDescription

let package = Package(
    name: "FlowLedger",
    products: [
        // The participants' library: `import FlowLedger` is all a program needs.
        .library(name: "FlowLedger", targets: ["FlowLedger"]),
        .executable(name: "flowledger", targets: ["flowledger"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-http2", from: "1.46.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // OpenSSL's libcrypto (Debian: libssl-dev). Only LedgerCrypto imports it.
        .systemLibrary(
            name: "COpenSSL",
            pkgConfig: "libcrypto",
            providers: [.apt(["libssl-dev"])]
        ),
        // Suites, digests, keys and signatures: the only code that touches OpenSSL.
        .target(name: "LedgerCrypto", dependencies: ["COpenSSL"]),
        // Pure values and math: canonical JSON, events, entries, Merkle proofs, signed notes,
        // and the integrity rules of DESIGN §7 as a state machine.
        .target(name: "LedgerCore", dependencies: ["LedgerCrypto"]),
        // Segment files, durability, group commit, recovery, stored tree hashes, follow, and the
        // writer's state snapshot with its on-disk history (SQLite) so opening costs no replay.
        .target(name: "LedgerStore", dependencies: [
            "LedgerCore", "LedgerCrypto",
            // SQLite's C API only, for the writer's state file (index/state.sqlite).
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // Replay and checks for regulators: the first integrity break, checkpoints, cosignatures,
        // policy findings, offline proofs and witnessing. Returns reports; judges log/ alone.
        .target(name: "LedgerVerify", dependencies: ["LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // The projector: folds the log into current-state views (parties, datasets, grants,
        // exchanges, flows, policy violations) materialised in views.sqlite, caught up
        // incrementally with its position in the same transaction as its rows.
        .target(name: "LedgerProjection", dependencies: [
            "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // What crosses the network between `flowledger serve` and its clients, free of any HTTP
        // stack: RFC 9421 request signatures, RFC 9530 content digests, error bodies, receipts.
        .target(name: "LedgerWire", dependencies: ["LedgerCore", "LedgerCrypto"]),
        // The PostgreSQL store (DESIGN §12): the log's exact lines in a table, one fenced writer,
        // LISTEN/NOTIFY for followers, and the schema `flowledger init --store` creates.
        .target(name: "LedgerPostgres", dependencies: [
            "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The regulator's report: one self-contained HTML page (provenance, the flows as an SVG
        // graph, violations, grants, quality) built from the views and the verifier's verdict.
        .target(name: "LedgerReport", dependencies: ["LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // The ledger service (`flowledger serve`, DESIGN §11) on Hummingbird 2: appends, reads,
        // the live event stream, checkpoints, request signatures, limits, metrics and shutdown.
        .target(name: "LedgerService", dependencies: [
            "LedgerPostgres", "LedgerWire", "LedgerReport", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "HummingbirdHTTP2", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOTLS", package: "swift-nio"),
            .product(name: "NIOHTTP2", package: "swift-nio-http2"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "CoreMetrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            // The operator's side of tlog-witness: asking witnesses to cosign (WitnessClient).
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The participants' client of a served ledger (async-http-client): appends, follows,
        // proofs and checkpoints, every answer checked before it is believed.
        .target(name: "LedgerClient", dependencies: [
            "LedgerWire", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
        ]),
        // The participants' library: one import, small surface.
        .target(name: "FlowLedger", dependencies: ["LedgerClient", "LedgerWire", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // The commands, as a library so tests can run them in process.
        .target(name: "FlowLedgerCLI", dependencies: [
            "FlowLedger", "LedgerClient", "LedgerService", "LedgerPostgres", "LedgerReport", "LedgerWire", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(name: "flowledger", dependencies: ["FlowLedgerCLI"]),
        // Benchmarks of the core and the store against OpenSSL's own verify rate (scripts/bench-*.sh).
        .executableTarget(name: "flowledger-bench", dependencies: [
            "LedgerPostgres", "FlowLedger", "LedgerWire", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            "LedgerTestSupport",  // ChildProcess.spawn
            .product(name: "GRDB", package: "GRDB.swift"),
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Writes the verifier's test corpus in Fixtures/ledgers (scripts/gen-fixtures.sh): fixed
        // test keys, fixed times, so the output is the same on every run.
        .executableTarget(name: "flowledger-fixtures", dependencies: ["FlowLedger", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // Shared by the test targets (and the benchmarks, for child processes): fixture loading,
        // deterministic randomness, child processes.
        .target(name: "LedgerTestSupport", dependencies: ["FlowLedger", "LedgerCore"], path: "Tests/LedgerTestSupport"),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto", "LedgerTestSupport"]),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerTestSupport"]),
        .testTarget(name: "LedgerStoreTests", dependencies: [
            "FlowLedger", "LedgerStore", "LedgerPostgres", "LedgerCore", "LedgerCrypto", "LedgerTestSupport", "flowledger",
        ]),
        .testTarget(name: "LedgerProjectionTests", dependencies: [
            "FlowLedger", "LedgerProjection", "LedgerStore", "LedgerCore", "LedgerCrypto", "LedgerTestSupport", "flowledger",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .testTarget(name: "LedgerVerifyTests", dependencies: [
            "FlowLedger", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto", "LedgerTestSupport", "flowledger",
            "flowledger-fixtures",
        ]),
        .testTarget(name: "LedgerWireTests", dependencies: ["LedgerWire", "LedgerCore", "LedgerCrypto", "LedgerTestSupport"]),
        .testTarget(name: "LedgerReportTests", dependencies: [
            "LedgerReport", "FlowLedger", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            "LedgerTestSupport", "flowledger",
        ]),
        .testTarget(name: "LedgerServiceTests", dependencies: [
            "LedgerService", "LedgerClient", "LedgerWire", "FlowLedger", "LedgerStore", "LedgerCore", "LedgerCrypto", "LedgerTestSupport", "flowledger",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "NIOCore", package: "swift-nio"),
            .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOHTTP1", package: "swift-nio"),
        ]),
        // The participants' side: imports FlowLedger and nothing else of this package, so it
        // compiles only while Exports.swift re-exports what a participant's program uses.
        .testTarget(name: "FlowLedgerSurfaceTests", dependencies: ["FlowLedger"]),
    ],
    swiftLanguageModes: [.v6]
)
