@testable import LedgerCore
import LedgerTestSupport
import Testing

/// The compact tables behind the integrity rules' per-entry state agree with a Dictionary under
/// random inserts, updates and removals — including keys crafted to share a home slot, so long
/// probe runs and the backward shift on removal are exercised.
@Suite("Digest-keyed tables (DigestTable, ShardedTable)")
struct DigestTableTests {
    @Test(arguments: [false, true])
    func randomOperationsAgreeWithADictionary(clustered: Bool) {
        var random = SeededRandom(seed: clustered ? 7 : 3)
        var table = DigestTable<Int64>(placeholder: 0)
        var model: [DigestKey: Int64] = [:]
        var pool: [DigestKey] = []
        // Clustered keys probe linearly through one run, so fewer of them make the same point.
        for step in 0..<(clustered ? 1_500 : 20_000) {
            // Clustered keys all have a tiny low half, so every one of them has home slot 0.
            let key: DigestKey
            if !pool.isEmpty && random.next() % 3 == 0 {
                key = pool[Int(random.next() % UInt64(pool.count))]
            } else {
                key = DigestKey(high: random.next(), low: clustered ? random.next() % 64 : random.next())
                pool.append(key)
            }
            switch random.next() % 4 {
            case 0:
                table[key] = nil
                model[key] = nil
            default:
                table[key] = Int64(step)
                model[key] = Int64(step)
            }
            if step % 499 == 0 {
                for probe in pool { #expect(table[probe] == model[probe]) }
            }
        }
        #expect(table.count == model.count)
        for probe in pool { #expect(table[probe] == model[probe]) }
    }

    @Test
    func shardedTableKeepsRowsAcrossShardsAndReservations() {
        var table = ShardedTable<Int64>(placeholder: -1)
        table.reserveCapacity(1000)
        let keys = (0..<5000).map { DigestKey("author", "event-\($0)") }
        for (index, key) in keys.enumerated() { table[key] = Int64(index) }
        for (index, key) in keys.enumerated() { #expect(table[key] == Int64(index)) }
        for key in keys.prefix(2500) { table[key] = nil }
        #expect(table[keys[0]] == nil)
        #expect(table[keys[4999]] == 4999)
        #expect(table[DigestKey("author", "event-5000")] == nil)
    }
}
