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
        // The regulator's report: one self-contained HTML page (provenance, the flows as an SVG
        // graph, violations, grants, quality) built from the views and the verifier's verdict.
        .target(name: "LedgerReport", dependencies: ["LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // The participants' library: one import, small surface.
        .target(name: "FlowLedger", dependencies: ["LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // The commands, as a library so tests can run them in process.
        .target(name: "FlowLedgerCLI", dependencies: [
            "FlowLedger", "LedgerReport", "LedgerWire", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "flowledger", dependencies: ["FlowLedgerCLI"]),
        // Benchmarks of the core and the store against OpenSSL's own verify rate (scripts/bench-*.sh).
        .executableTarget(name: "flowledger-bench", dependencies: [
            "FlowLedger", "LedgerProjection", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        // Writes the verifier's test corpus in Fixtures/ledgers (scripts/gen-fixtures.sh): fixed
        // test keys, fixed times, so the output is the same on every run.
        .executableTarget(name: "flowledger-fixtures", dependencies: ["FlowLedger", "LedgerVerify", "LedgerStore", "LedgerCore", "LedgerCrypto"]),
        // Shared by the test targets: fixture loading, deterministic randomness, child processes.
        .target(name: "LedgerTestSupport", path: "Tests/LedgerTestSupport"),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto", "LedgerTestSupport"]),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerTestSupport"]),
        .testTarget(name: "LedgerStoreTests", dependencies: [
            "FlowLedger", "LedgerStore", "LedgerCore", "LedgerCrypto", "LedgerTestSupport", "flowledger",
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
        // The participants' side: imports FlowLedger and nothing else of this package, so it
        // compiles only while Exports.swift re-exports what a participant's program uses.
        .testTarget(name: "FlowLedgerSurfaceTests", dependencies: ["FlowLedger"]),
    ],
    swiftLanguageModes: [.v6]
)
