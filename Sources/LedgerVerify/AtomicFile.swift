#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Whole-file reads and atomic, durable writes for the witness's state and evidence files.
package enum AtomicFile {
    /// Writes started by this process, numbering their temporary files.
    private static let writes = Atomic<Int>(0)

    /// The whole file at `path`, at most `limit` bytes.
    package static func read(_ path: String, limit: Int) throws(WitnessError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw WitnessError(.io, "\(path): cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw WitnessError(.io, "\(path): cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { return bytes }
            bytes += chunk[0..<n]
            guard bytes.count <= limit else { throw WitnessError(.io, "\(path): larger than \(limit) bytes; is this the right file?") }
        }
    }

    /// Writes `bytes` to `path` so that readers and a crash see the old file or the new one,
    /// never a part: a temporary file in the same directory, fsync, rename, fsync of the
    /// directory. With `exclusive`, refuses to replace an existing file (the temporary file is
    /// linked, not renamed).
    package static func write(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644, exclusive: Bool = false) throws(WitnessError) {
        let directory = parent(of: path)
        // Unique per write, not only per process: two threads may write files of one name.
        let temporary = "\(directory)/.\(base(of: path)).tmp-\(getpid())-\(writes.wrappingAdd(1, ordering: .relaxed).oldValue)"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        guard fd >= 0 else { throw WitnessError(.io, "\(temporary): cannot create: \(String(cString: strerror(errno)))") }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temporary)
                throw WitnessError(.io, "\(temporary): cannot write: \(reason)")
            }
            done += n
        }
        guard fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw WitnessError(.io, "\(temporary): cannot sync: \(reason)")
        }
        close(fd)
        if exclusive {
            defer { unlink(temporary) }
            guard link(temporary, path) == 0 else {
                let code = errno
                let reason = code == EEXIST ? "the file exists; refusing to replace it" : String(cString: strerror(code))
                throw WitnessError(code == EEXIST ? .stateExists : .io, "\(path): cannot create: \(reason)")
            }
        } else {
            guard rename(temporary, path) == 0 else {
                let reason = String(cString: strerror(errno))
                unlink(temporary)
                throw WitnessError(.io, "\(path): cannot replace: \(reason)")
            }
        }
        let dfd = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd >= 0 {
            _ = fsync(dfd)
            close(dfd)
        }
    }

    /// Runs `body` holding an exclusive lock (flock) on `<path>.lock`, created if needed, so
    /// that two processes never read-modify-write the file at `path` at the same time. (The
    /// file itself cannot carry the lock: an atomic write replaces it with a new inode.)
    package static func withLock<T>(_ path: String, _ body: () throws -> T) throws -> T {
        let lockPath = path + ".lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw WitnessError(.io, "\(lockPath): cannot open the lock file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }  // closing releases the lock
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw WitnessError(.io, "\(lockPath): cannot lock: \(String(cString: strerror(errno)))") }
        }
        return try body()
    }

    /// True if something exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The directory part of `path` (`.` for a bare name).
    package static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// The last component of `path`.
    package static func base(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }
}
