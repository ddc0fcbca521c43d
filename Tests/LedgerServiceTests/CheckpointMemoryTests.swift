import FlowLedger
import Foundation
@testable import LedgerClient
import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

/// The client's memory of the latest checkpoint it verified, kept in a file across runs.
@Suite struct CheckpointMemoryTests {
    /// Two checks at once from one remembered checkpoint (two tasks appending with
    /// `wait: .checkpoint`, say): the file ends holding the larger, every time. The writes once
    /// shared a temporary file (one rename failed) and the smaller could land last, so the next
    /// run remembered less than this one had verified.
    @Test func concurrentChecksLeaveTheLargestCheckpointInTheFile() async throws {
        let scenario = try Scenario()
        defer { scenario.removeAll() }
        let ledger = try await scenario.create()
        var notes: [Int64: String] = [:]
        for n in 0..<3 {
            if n > 0 { _ = try await ledger.append(try scenario.exchange(n)) }
            let (checkpoint, note) = try ledger.checkpoint(operatorKey: scenario.operatorKey)
            notes[checkpoint.size] = note
        }
        let sizes = notes.keys.sorted()
        let (small, middle, large) = (sizes[0], sizes[1], sizes[2])
        // Consistency proofs between each pair, smaller size first.
        var proofs: [[Int64]: [Hash32]] = [:]
        for (old, new) in [(small, middle), (small, large), (middle, large)] {
            proofs[[old, new]] = try ledger.consistencyProof(old: old, new: new).proof.path
        }
        let operatorKey = try ledger.verifierKey()
        ledger.close()

        for round in 0..<150 {
            let file = scenario.workDirectory + "/memory-\(round)"
            let memory = try CheckpointMemory(operatorKey: operatorKey, witnesses: [], file: file)
            let base = try memory.open(Array(notes[small]!.utf8), source: "test")
            _ = try memory.check(base, against: nil, proof: [])
            let offers = [try memory.open(Array(notes[middle]!.utf8), source: "test"), try memory.open(Array(notes[large]!.utf8), source: "test")]
            let known = proofs
            try await withThrowingTaskGroup(of: Void.self) { group in
                for offered in offers {
                    group.addTask {
                        // As the client's trust() does: again against what another check remembered.
                        var against = base
                        while true {
                            let pair = [against.checkpoint.size, offered.checkpoint.size].sorted()
                            let proof = pair[0] == pair[1] ? [] : known[pair]!
                            guard case .moved(let now) = try memory.check(offered, against: against, proof: proof) else { return }
                            against = now
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(memory.latest?.checkpoint.size == large)
            let kept = try String(contentsOfFile: file, encoding: .utf8)
            #expect(kept == notes[large], "round \(round): the file holds \(kept.split(separator: "\n").dropFirst().first ?? "?") entries, memory \(large)")
            let leftovers = try FileManager.default.contentsOfDirectory(atPath: scenario.workDirectory).filter { $0.contains(".tmp-") }
            #expect(leftovers.isEmpty, "\(leftovers)")
            if kept != notes[large] { break }
        }
    }
}
