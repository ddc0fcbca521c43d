import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Access to the repository's `Fixtures/` folder from tests.
public enum Fixtures {
    /// The repository root, found from this file's path.
    public static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The URL of a file under `Fixtures/`.
    public static func url(_ path: String) -> URL {
        root.appendingPathComponent("Fixtures").appendingPathComponent(path)
    }

    /// A JSON fixture as a dictionary.
    public static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw FixtureError("fixture \(path) is not a JSON object")
        }
        return object
    }

    /// Bytes from lowercase hex.
    public static func bytes(hex: String) -> [UInt8] {
        var out: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            out.append(UInt8(hex[index..<next], radix: 16)!)
            index = next
        }
        return out
    }
}

/// A fixture that cannot be read.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// A seeded SplitMix64 generator, so randomised tests are reproducible from their seed.
public struct SeededRandom: RandomNumberGenerator {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Runs a command (searched in PATH) to the end and returns its exit status and output; used to
/// cross-check with `openssl` and to drive `flowledger`. See ``ChildProcess`` for why it does not
/// use Foundation's Process.
@discardableResult
public func run(_ arguments: [String], stdin: Data? = nil) throws -> (status: Int32, stdout: Data, stderr: String) {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let inPath = dir.appendingPathComponent("stdin").path
    try (stdin ?? Data()).write(to: URL(fileURLWithPath: inPath))
    let child = try ChildProcess(arguments, stdinPath: inPath, directory: dir.path)
    let status = child.wait()
    return (status, try child.stdout(), try child.stderr())
}

/// A fresh temporary directory, removed by the caller when done.
public func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("flowledger-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
