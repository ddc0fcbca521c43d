import Foundation

/// Runs independent work on every core (signature checks, strict parsing), keeping results in
/// input order: the chunks run on ``CoreWorkers`` (a thread pinned to each core) and on the
/// calling thread.
package enum Parallel {
    /// `transform` applied to 0..<count, in chunks of about `chunkSize` items taken by whichever
    /// core is free. Chunks are kept small so that no core sits idle while another finishes a
    /// long last chunk (with a few big chunks per core, that tail cost a tenth of the throughput
    /// of signature checks). Inputs under two chunks stay on the calling thread, where the
    /// hand-off would cost more than the work.
    package static func map<T>(_ count: Int, chunkSize: Int = 32, _ transform: (Int) -> T) -> [T] {
        guard count >= 2 * chunkSize, CoreWorkers.shared.cores > 1 else { return (0..<count).map(transform) }
        let chunks = count / chunkSize
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            let output = buffer.baseAddress!
            CoreWorkers.shared.run(chunks: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                for index in start..<end { (output + index).initialize(to: transform(index)) }
            }
            initialized = count
        }
    }
}

extension Parallel {
    /// ``map(_:chunkSize:_:)`` for a transform that can fail: the results are built in place
    /// (not wrapped in `Result` and copied out again, which for entries meant a second copy of
    /// every string reference), and the first failure by index is thrown.
    package static func map<T, E: Error>(_ count: Int, chunkSize: Int, throwing transform: (Int) throws(E) -> T) throws(E) -> [T] {
        guard count >= 2 * chunkSize, CoreWorkers.shared.cores > 1 else {
            var out: [T] = []
            out.reserveCapacity(count)
            for index in 0..<count { out.append(try transform(index)) }
            return out
        }
        let chunks = count / chunkSize
        // Per chunk: how many results it initialised, and the error that stopped it.
        let made = UnsafeMutableBufferPointer<Int>.allocate(capacity: chunks)
        made.initialize(repeating: 0)
        let failures = UnsafeMutableBufferPointer<E?>.allocate(capacity: chunks)
        failures.initialize(repeating: nil)
        defer {
            made.deallocate()
            _ = failures.deinitialize()
            failures.deallocate()
        }
        let output = UnsafeMutableBufferPointer<T>.allocate(capacity: count)
        CoreWorkers.shared.run(chunks: chunks) { chunk in
            let start = count * chunk / chunks
            let end = count * (chunk + 1) / chunks
            for index in start..<end {
                do throws(E) {
                    (output.baseAddress! + index).initialize(to: try transform(index))
                    made[chunk] += 1
                } catch {
                    failures[chunk] = error
                    return
                }
            }
        }
        if let failed = failures.firstIndex(where: { $0 != nil }) {
            for chunk in 0..<chunks {
                (output.baseAddress! + count * chunk / chunks).deinitialize(count: made[chunk])
            }
            output.deallocate()
            throw failures[failed]!
        }
        return Array(unsafeUninitializedCapacity: count) { buffer, initialized in
            buffer.baseAddress!.moveInitialize(from: output.baseAddress!, count: count)
            initialized = count
            output.deallocate()
        }
    }
}
