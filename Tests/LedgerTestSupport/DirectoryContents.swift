import Foundation

/// Every regular file under `directory` (paths relative to it) with its bytes, but the writer's
/// lock file: what a test compares before and after a refusal to show that nothing changed.
public func directoryContents(_ directory: String) throws -> [String: Data] {
    var out: [String: Data] = [:]
    guard let walker = FileManager.default.enumerator(atPath: directory) else { return out }
    for case let path as String in walker where !path.hasSuffix("writer.lock") {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue {
            out[path] = try Data(contentsOf: URL(fileURLWithPath: directory + "/" + path))
        }
    }
    return out
}
