import FlowLedger
#if canImport(Glibc)
import Glibc
#endif

/// Private key files: PKCS#8 PEM, mode 0600 (DESIGN §3). Keys are read only from files that
/// nobody else can read, as ssh does, and written only as new 0600 files.
enum KeyFile {
    /// Reads the private key at `path`.
    static func read(_ path: String) throws -> PrivateKey {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw CommandFailure("\(path): cannot read the key file: \(String(cString: strerror(errno)))")
        }
        guard info.st_mode & 0o077 == 0 else {
            throw CommandFailure("\(path): the key file is readable by others (mode \(String(info.st_mode & 0o777, radix: 8))); a private key must be mode 0600: run `chmod 600 \(path)`")
        }
        let bytes: [UInt8]
        do {
            bytes = try FileInput.readAll(path, limit: 1 << 16)
        }
        do {
            return try PrivateKey(pem: String(decoding: bytes, as: UTF8.self), source: path)
        } catch {
            throw CommandFailure(error.message)
        }
    }

    /// Writes `key` to a new file at `path` with mode 0600; refuses to replace a file.
    static func write(_ key: PrivateKey, to path: String) throws {
        let pem = try key.pemRepresentation()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let reason = errno == EEXIST ? "the file exists; refusing to replace a key (choose another path or remove it first)" : String(cString: strerror(errno))
            throw CommandFailure("\(path): cannot create the key file: \(reason)")
        }
        defer { close(fd) }
        let bytes = Array(pem.utf8)
        guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count, fsync(fd) == 0 else {
            throw CommandFailure("\(path): cannot write the key file: \(String(cString: strerror(errno)))")
        }
    }
}
