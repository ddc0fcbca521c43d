import Foundation

/// Runs the built `flowledger` with `arguments` (and `stdin`, if given) to the end, as a user
/// does, and returns its exit status and output as text, for tests that pin them byte for byte.
/// Help text is wrapped at 80 columns whatever the `COLUMNS` of the environment running the tests.
public func flowledger(_ arguments: [String], stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
    let result = try run(["/usr/bin/env", "COLUMNS=80", flowledgerPath] + arguments, stdin: stdin.map { Data($0.utf8) })
    return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
}

/// ``flowledger(_:stdin:)`` for async tests: waits for the command without holding one of the
/// test runner's few threads.
public func flowledgerAsync(_ arguments: [String], stdin: String? = nil) async throws -> (status: Int32, out: String, err: String) {
    let dir = try temporaryDirectory()
    defer { try? FileManager.default.removeItem(at: dir) }
    let inPath = dir.appendingPathComponent("stdin").path
    try Data((stdin ?? "").utf8).write(to: URL(fileURLWithPath: inPath))
    let child = try ChildProcess(["/usr/bin/env", "COLUMNS=80", flowledgerPath] + arguments, stdinPath: inPath, directory: dir.path)
    let status = await child.exitCode()
    return (status, String(decoding: try child.stdout(), as: UTF8.self), try child.stderr())
}

/// Writes `text` to `path` (replacing it), for tests that prepare input files.
public func write(_ text: String, to path: String) throws {
    try Data(text.utf8).write(to: URL(fileURLWithPath: path))
}

/// The text of the file at `path`.
public func contents(_ path: String) throws -> String {
    String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
}
