// swift-tools-version:6.0
// FlowLedger — an append-only, hash-chained, signed audit ledger for cross-boundary data exchange.
// The contract (formats, hashing, signing, CLI) is ../shared/DESIGN.md; the layout follows
// ../shared/STYLE.md: crypto is isolated over OpenSSL, the core is pure values and math.
import PackageDescription

let package = Package(
    name: "FlowLedger",
    products: [
        .library(name: "LedgerCore", targets: ["LedgerCore"]),
        .library(name: "LedgerCrypto", targets: ["LedgerCrypto"]),
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
        // Pure values and math: canonical JSON, events, entries, Merkle proofs, signed notes.
        .target(name: "LedgerCore", dependencies: ["LedgerCrypto"]),
        // Micro-benchmarks of the core against OpenSSL's own verify rate (scripts/bench-core.sh).
        .executableTarget(name: "flowledger-bench", dependencies: ["LedgerCore", "LedgerCrypto"]),
        // Shared by the test targets: fixture loading, deterministic randomness, child processes.
        .target(name: "LedgerTestSupport", path: "Tests/LedgerTestSupport"),
        .testTarget(name: "LedgerCryptoTests", dependencies: ["LedgerCrypto", "LedgerTestSupport"]),
        .testTarget(name: "LedgerCoreTests", dependencies: ["LedgerCore", "LedgerCrypto", "LedgerTestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
