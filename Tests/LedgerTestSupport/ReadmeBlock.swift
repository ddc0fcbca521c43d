import Foundation

/// The lines of `sourceFile` between `// README <name>: begin` and `// README <name>: end`,
/// with their common indentation removed: a program that a test compiles and runs, and that the
/// README must show verbatim (``readmeShows(_:)``), so the README cannot drift from the API.
public func readmeBlock(named name: String, in sourceFile: String) throws -> String {
    let source = try String(contentsOf: URL(fileURLWithPath: sourceFile), encoding: .utf8)
    let lines = source.split(separator: "\n", omittingEmptySubsequences: false)
    guard let begin = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// README \(name): begin" }),
          let end = lines[begin...].firstIndex(where: { $0.trimmingCharacters(in: .whitespaces) == "// README \(name): end" })
    else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: sourceFile]) }
    let body = lines[(begin + 1)..<end]
    let indent = body.filter { !$0.allSatisfy(\.isWhitespace) }.map { $0.prefix { $0 == " " }.count }.min() ?? 0
    return body.map { $0.count >= indent ? String($0.dropFirst(indent)) : "" }.joined(separator: "\n") + "\n"
}

/// True when README.md holds `block` as a fenced Swift code block.
public func readmeShows(_ block: String) throws -> Bool {
    let readme = try String(contentsOf: Fixtures.root.appendingPathComponent("README.md"), encoding: .utf8)
    return readme.contains("```swift\n" + block + "```")
}
