import Dispatch
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// One thread per CPU this process may use, each pinned to its CPU, that run the chunks of
/// ``Parallel/map(_:chunkSize:_:)`` (signature checks, strict parsing) beside the thread that
/// asked for them.
///
/// Why pinned threads and not `DispatchQueue.concurrentPerform`: Linux places a woken thread
/// near the thread that woke it, and on our 2-core build machine it left one core idle for up to
/// 45 ms while Dispatch's two workers took turns on the other (seen with `perf sched timehist`
/// during `mirror`: 5–6% of both cores idle while there were signatures to check). A thread
/// pinned to a core can only run there, so every core with a chunk left to take is busy.
///
/// Contract:
/// - ``run(chunks:_:)`` returns once `body` has run for every chunk index exactly once; the
///   calling thread takes chunks too, so a call finishes even while the workers are busy with
///   another caller's chunks (no caller waits on work nobody can do).
/// - A call from inside a chunk a worker runs (a nested `Parallel.map`) runs its chunks on that
///   worker alone.
/// - Pinning is best effort: the workers run unpinned where the affinity mask cannot be read or
///   set, and where a cgroup CPU quota leaves fewer cores than the mask allows (pinned to the
///   first ones, they could not move off CPUs that others keep busy).
package final class CoreWorkers: @unchecked Sendable {  // `jobs` only under `condition`
    /// The start of each worker's thread name (Linux keeps 15 bytes of a name).
    package static let threadNamePrefix = "ledger-cpu-"

    /// The workers of this process, started on first use.
    package static let shared = CoreWorkers()

    /// The workers: the CPUs this process may run on (its affinity mask), at most the cores
    /// Foundation counts (which honours a cgroup CPU quota); at least 1.
    package let cores: Int
    /// Whether each worker is pinned to a CPU of its own (see the contract for when not).
    package let pinsWorkers: Bool

    // Jobs with chunks not yet taken, oldest first; guarded by `condition`.
    private var jobs: [Job] = []
    private let condition = NSCondition()

    private init() {
        let allowed = Self.allowedCPUs()
        let counted = ProcessInfo.processInfo.activeProcessorCount
        cores = max(1, allowed.isEmpty ? counted : min(allowed.count, counted))
        pinsWorkers = cores > 1 && allowed.count == cores && GlibcExtensions.setThreadAffinity != nil
        guard cores > 1 else { return }
        for index in 0..<cores {
            let cpu = pinsWorkers ? allowed[index] : nil
            let name = "\(Self.threadNamePrefix)\(index)"
            Thread { [self] in
                CoreWorkers.isWorker = true
                if let cpu { Self.pin(toCPU: cpu) }
                _ = GlibcExtensions.setThreadName?(pthread_self(), name)
                work()
            }.start()
        }
    }

    /// Runs `body(chunk)` for every chunk in 0..<chunks, on the workers and this thread; returns
    /// when all have run. `body` runs on several threads at once: it may only read what it
    /// shares and write where no other chunk writes.
    package func run(chunks: Int, _ body: (Int) -> Void) {
        guard chunks > 0 else { return }
        guard cores > 1, chunks > 1, !Self.isWorker else {
            for chunk in 0..<chunks { body(chunk) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // The job holds the closure through a pointer freed here, not a reference: a worker
            // may still hold the job after the last chunk ran, never the closure.
            let stored = UnsafeMutablePointer<(Int) -> Void>.allocate(capacity: 1)
            stored.initialize(to: body)
            let job = Job(chunks: chunks, body: stored)
            condition.lock()
            jobs.append(job)
            condition.broadcast()
            condition.unlock()
            job.runChunks()
            job.waitUntilDone()
            stored.deinitialize(count: 1)
            stored.deallocate()
        }
    }

    /// A worker's loop: the oldest job with chunks left, its chunks, and again.
    private func work() {
        while true {
            condition.lock()
            while true {
                while let first = jobs.first, first.allTaken { jobs.removeFirst() }
                if !jobs.isEmpty { break }
                condition.wait()
            }
            let job = jobs[0]
            condition.unlock()
            job.runChunks()
        }
    }

    /// True on the workers' threads (a thread-specific flag).
    private static let workerKey: pthread_key_t = {
        var key = pthread_key_t()
        pthread_key_create(&key, nil)
        return key
    }()
    private static var isWorker: Bool {
        get { pthread_getspecific(workerKey) != nil }
        set { pthread_setspecific(workerKey, newValue ? UnsafeRawPointer(bitPattern: 1) : nil) }
    }

    /// The CPUs in this process's affinity mask, in order; empty when it cannot be read.
    private static func allowedCPUs() -> [Int] {
        guard let getAffinity = GlibcExtensions.getAffinity else { return [] }
        var set = cpu_set_t()
        guard getAffinity(0, MemoryLayout<cpu_set_t>.size, &set) == 0 else { return [] }
        return withUnsafeBytes(of: &set) { bytes in
            (0..<(bytes.count * 8)).filter { bytes[$0 / 8] & (1 << ($0 % 8)) != 0 }
        }
    }

    /// Pins the calling thread to `cpu` (CPU_SET: bit `cpu` of the mask, little-endian words).
    private static func pin(toCPU cpu: Int) {
        guard let setAffinity = GlibcExtensions.setThreadAffinity else { return }
        var set = cpu_set_t()
        withUnsafeMutableBytes(of: &set) { bytes in
            guard cpu / 8 < bytes.count else { return }
            bytes[cpu / 8] |= UInt8(1 << (cpu % 8))
        }
        _ = setAffinity(pthread_self(), MemoryLayout<cpu_set_t>.size, &set)
    }

    /// glibc's affinity and thread-name calls, looked up at run time: Swift's Glibc module is
    /// built without `_GNU_SOURCE`, which declares them.
    private enum GlibcExtensions {
        typealias GetAffinity = @convention(c) (pid_t, Int, UnsafeMutableRawPointer?) -> Int32
        typealias SetThreadAffinity = @convention(c) (pthread_t, Int, UnsafeRawPointer?) -> Int32
        typealias SetThreadName = @convention(c) (pthread_t, UnsafePointer<CChar>) -> Int32
        static let getAffinity: GetAffinity? = symbol("sched_getaffinity")
        static let setThreadAffinity: SetThreadAffinity? = symbol("pthread_setaffinity_np")
        static let setThreadName: SetThreadName? = symbol("pthread_setname_np")

        private static func symbol<Function>(_ name: String) -> Function? {
            dlsym(nil, name).map { unsafeBitCast($0, to: Function.self) }
        }
    }

    /// One call's chunks: handed out one at a time to whoever asks, counted back in.
    private final class Job: @unchecked Sendable {
        let chunks: Int
        // Called only for a chunk taken, so only while the caller waits in run(chunks:_:),
        // which frees it after the last chunk ran.
        private let body: UnsafeMutablePointer<(Int) -> Void>
        private let nextChunk = Atomic<Int>(0)
        private let finishedChunks = Atomic<Int>(0)
        private let done = DispatchSemaphore(value: 0)

        init(chunks: Int, body: UnsafeMutablePointer<(Int) -> Void>) {
            self.chunks = chunks
            self.body = body
        }

        /// Whether every chunk was handed out (it may still be running).
        var allTaken: Bool { nextChunk.load(ordering: .relaxed) >= chunks }

        /// Takes and runs chunks until none is left.
        func runChunks() {
            while true {
                let chunk = nextChunk.wrappingAdd(1, ordering: .relaxed).oldValue
                guard chunk < chunks else { return }
                body.pointee(chunk)
                if finishedChunks.wrappingAdd(1, ordering: .acquiringAndReleasing).newValue == chunks { done.signal() }
            }
        }

        /// Blocks until every chunk has run.
        func waitUntilDone() { done.wait() }
    }
}
