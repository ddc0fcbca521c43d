import Foundation
import LedgerStore
import Synchronization
import Testing

/// The pinned threads that run ``Parallel`` chunks (CoreWorkers): every chunk exactly once with
/// many callers at once, a call from inside a chunk, and one thread pinned to each CPU.
@Suite("Pinned core workers (CoreWorkers)")
struct CoreWorkersTests {
    @Test func everyChunkRunsExactlyOnceWhileManyThreadsAskAtOnce() {
        let callers = 8
        let chunks = 500
        let runs = Mutex([[Int]](repeating: [Int](repeating: 0, count: chunks), count: callers))
        let done = DispatchGroup()
        for caller in 0..<callers {
            done.enter()
            Thread {
                for _ in 0..<20 {
                    CoreWorkers.shared.run(chunks: chunks) { chunk in runs.withLock { $0[caller][chunk] += 1 } }
                }
                done.leave()
            }.start()
        }
        #expect(done.wait(timeout: .now() + 120) == .success, "a caller never returned")
        runs.withLock { runs in
            for caller in 0..<callers { #expect(runs[caller] == [Int](repeating: 20, count: chunks), "caller \(caller)") }
        }
    }

    @Test func aCallFromInsideAChunkFinishes() {
        let runs = Atomic<Int>(0)
        CoreWorkers.shared.run(chunks: 16) { _ in
            CoreWorkers.shared.run(chunks: 16) { _ in runs.add(1, ordering: .relaxed) }
        }
        #expect(runs.load(ordering: .relaxed) == 256)
        CoreWorkers.shared.run(chunks: 0) { _ in Issue.record("no chunk to run") }
    }

    /// One worker per CPU the process may use, each allowed on that CPU alone
    /// (`/proc/self/task/*/status`), unless a CPU quota leaves fewer cores than CPUs.
    @Test func eachWorkerIsPinnedToACPUOfItsOwn() throws {
        let cores = CoreWorkers.shared.cores
        guard cores > 1 else { return }  // one core: no workers, the caller does everything
        CoreWorkers.shared.run(chunks: 4) { _ in }
        // The workers name themselves once pinned, as they start: wait for them (at most 10 s).
        var pinned: [String: String] = [:]
        let deadline = Date().addingTimeInterval(10)
        repeat {
            pinned = try workerAffinities()
            if pinned.count >= cores { break }
            usleep(10_000)
        } while Date() < deadline
        #expect(pinned.count == cores, "\(pinned)")
        // Pinned exactly when there is a worker for every CPU the process may use.
        let status = try String(contentsOfFile: "/proc/self/status", encoding: .utf8)
        let list = status.split(separator: "\n").first { $0.hasPrefix("Cpus_allowed_list:") }?.split(separator: "\t").last ?? ""
        let allowed = list.split(separator: ",").reduce(0) { count, range in
            let ends = range.split(separator: "-").compactMap { Int($0) }
            return count + (ends.count == 2 ? ends[1] - ends[0] + 1 : 1)
        }
        #expect(CoreWorkers.shared.pinsWorkers == (allowed == cores), "\(allowed) CPUs allowed, \(cores) workers")
        guard CoreWorkers.shared.pinsWorkers else { return }
        #expect(Set(pinned.values).count == cores, "two workers share a CPU: \(pinned)")
        #expect(pinned.values.allSatisfy { Int($0) != nil }, "a worker may run on more than one CPU: \(pinned)")
    }

    /// Each worker thread's name and the CPUs it may run on (`Cpus_allowed_list`).
    private func workerAffinities() throws -> [String: String] {
        var pinned: [String: String] = [:]
        for task in try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") {
            guard let name = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                  name.hasPrefix(CoreWorkers.threadNamePrefix),
                  let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8),
                  let allowed = status.split(separator: "\n").first(where: { $0.hasPrefix("Cpus_allowed_list:") }) else { continue }
            pinned[name.trimmingCharacters(in: .whitespacesAndNewlines)] = allowed.split(separator: "\t").last.map(String.init)
        }
        return pinned
    }
}
