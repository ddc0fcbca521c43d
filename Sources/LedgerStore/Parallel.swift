import Dispatch
import Foundation

/// Runs independent work on every core (signature checks, strict parsing), keeping results in
/// input order.
package enum Parallel {
    /// `transform` applied to 0..<count, in chunks of about `chunkSize` items taken by whichever
    /// core is free. Chunks are kept small so that no core sits idle while another finishes a
    /// long last chunk (with a few big chunks per core, that tail cost a tenth of the throughput
    /// of signature checks). Inputs under two chunks stay on the calling thread, where the
    /// hand-off would cost more than the work.
    package static func map<T>(_ count: Int, chunkSize: Int = 32, _ transform: (Int) -> T) -> [T] {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        guard count >= 2 * chunkSize, cores > 1 else { return (0..<count).map(transform) }
        let chunks = count / chunkSize
        return withoutActuallyEscaping(transform) { transform in
            Array(unsafeUninitializedCapacity: count) { buffer, initialized in
                let output = UncheckedBuffer(base: buffer.baseAddress!)
                let work = UncheckedClosure(run: transform)
                DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                    let start = count * chunk / chunks
                    let end = count * (chunk + 1) / chunks
                    for index in start..<end { (output.base + index).initialize(to: work.run(index)) }
                }
                initialized = count
            }
        }
    }
}

/// The output buffer, written at disjoint indexes by each chunk.
private struct UncheckedBuffer<T>: @unchecked Sendable { let base: UnsafeMutablePointer<T> }
/// The transform, which only reads shared state.
private struct UncheckedClosure<T>: @unchecked Sendable { let run: (Int) -> T }
