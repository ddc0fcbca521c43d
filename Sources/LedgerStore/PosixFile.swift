#if canImport(Glibc)
import Glibc
#endif

/// A file descriptor with the few POSIX calls the store needs, each retried on EINTR and turned
/// into a ``StoreError`` that names the path. Not thread-safe on its own: the store serialises
/// writers, and readers use positional reads (`pread`), which share no offset.
package final class PosixFile: @unchecked Sendable {
    /// The path, for error messages.
    let path: String
    let descriptor: Int32

    /// Opens `path` with `flags` (O_RDONLY, O_RDWR|O_CREAT…) and `mode` for new files.
    package init(path: String, flags: Int32, mode: mode_t = 0o644) throws(StoreError) {
        let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
        guard fd >= 0 else { throw StoreError.io("open", path, errno: errno) }
        self.path = path
        self.descriptor = fd
    }

    deinit { Glibc.close(descriptor) }

    /// The file's type (`st_mode & S_IFMT`: S_IFREG, S_IFDIR, S_IFIFO…), of what is open.
    package func type() throws(StoreError) -> mode_t {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StoreError.io("stat", path, errno: errno) }
        return info.st_mode & S_IFMT
    }

    /// The current size in bytes.
    package func size() throws(StoreError) -> Int64 {
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw StoreError.io("stat", path, errno: errno) }
        return Int64(info.st_size)
    }

    /// Reads up to `count` bytes at `offset`; fewer only at the end of the file.
    package func read(at offset: Int64, count: Int) throws(StoreError) -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: count)
        var done = 0
        while done < count {
            let n = buffer.withUnsafeMutableBytes { raw in
                pread(descriptor, raw.baseAddress! + done, count - done, off_t(offset) + off_t(done))
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw StoreError.io("read", path, errno: errno)
            }
            if n == 0 { break }
            done += n
        }
        if done < count { buffer.removeLast(count - done) }
        return buffer
    }

    /// Writes all of `bytes` at `offset`.
    func write(_ bytes: some Collection<UInt8>, at offset: Int64) throws(StoreError) {
        let result: Int32? = bytes.withContiguousStorageIfAvailable { buffer in
            writeAll(UnsafeRawBufferPointer(buffer), at: offset)
        }
        let code = result ?? Array(bytes).withUnsafeBytes { writeAll($0, at: offset) }
        guard code == 0 else { throw StoreError.io("write", path, errno: code) }
    }

    private func writeAll(_ buffer: UnsafeRawBufferPointer, at offset: Int64) -> Int32 {
        var done = 0
        while done < buffer.count {
            let n = pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset) + off_t(done))
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            done += n
        }
        return 0
    }

    /// Makes the file's data durable (fdatasync: the size is data too).
    func sync() throws(StoreError) {
        while fdatasync(descriptor) != 0 {
            if errno != EINTR { throw StoreError.io("fsync", path, errno: errno) }
        }
    }

    /// Cuts the file to `length` bytes.
    func truncate(to length: Int64) throws(StoreError) {
        while ftruncate(descriptor, off_t(length)) != 0 {
            if errno != EINTR { throw StoreError.io("truncate", path, errno: errno) }
        }
    }

    /// Releases an advisory lock taken with ``tryLockExclusive()``.
    func unlock() { _ = flock(descriptor, LOCK_UN) }

    /// Takes an exclusive advisory lock without waiting; false if another process holds it.
    func tryLockExclusive() throws(StoreError) -> Bool {
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EWOULDBLOCK { return false }
            if errno != EINTR { throw StoreError.io("lock", path, errno: errno) }
        }
        return true
    }
}

/// Filesystem helpers for directories (package-wide: the CLI writes `tail` cursor files with them).
package enum Directory {
    /// Makes the directory's entries (new or renamed files) durable.
    static func sync(_ path: String) throws(StoreError) {
        let file = try PosixFile(path: path, flags: O_RDONLY | O_DIRECTORY)
        while fsync(file.descriptor) != 0 {
            if errno != EINTR { throw StoreError.io("fsync", path, errno: errno) }
        }
    }

    /// Creates `path` (mode 0755) if it does not exist.
    static func create(_ path: String) throws(StoreError) {
        if mkdir(path, 0o755) != 0 && errno != EEXIST { throw StoreError.io("create directory", path, errno: errno) }
    }

    /// True if something exists at `path`.
    package static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// The names in a directory, unsorted, without `.` and `..`.
    package static func list(_ path: String) throws(StoreError) -> [String] {
        guard let dir = opendir(path) else { throw StoreError.io("list", path, errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// Writes `bytes` to `path` atomically and durably: a temporary file, fsync, rename, fsync of
    /// the directory. Readers see the old file or the new one, never a part.
    package static func writeAtomically(_ bytes: [UInt8], to path: String, directory: String, mode: mode_t = 0o644) throws(StoreError) {
        let temporary = path + ".tmp-\(getpid())"
        let file = try PosixFile(path: temporary, flags: O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        try file.write(bytes, at: 0)
        try file.sync()
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw StoreError.io("rename \(temporary) to", path, errno: code)
        }
        try sync(directory)
    }

    /// The whole file at `path`.
    package static func readFile(_ path: String, limit: Int = 1 << 24) throws(StoreError) -> [UInt8] {
        // Opened without blocking (a FIFO would wait for a writer; reads of a regular file ignore
        // the flag), then judged by what is open, so nothing can be swapped in between.
        let file = try PosixFile(path: path, flags: O_RDONLY | O_NONBLOCK)
        let type = try file.type()
        guard type == S_IFREG else {
            let kind = type == S_IFDIR ? "a directory" : "not a regular file (a pipe, socket or device?)"
            throw StoreError(.io, "\(path) is \(kind), not a file; give the path of a file")
        }
        let size = try file.size()
        guard size <= limit else { throw StoreError(.io, "\(path): file is \(size) bytes, larger than the \(limit)-byte limit for this kind of file") }
        return try file.read(at: 0, count: Int(size))
    }
}
