import Foundation

/// The fuzz corpora under `Fixtures/fuzz/<name>/`: every input that once broke a parser is kept
/// there (one file each) and replayed by the fuzz tests before random mutations.
public enum FuzzCorpus {
    /// The kept inputs of corpus `name`, in file-name order.
    public static func load(_ name: String) throws -> [[UInt8]] {
        let dir = Fixtures.url("fuzz/\(name)")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return try files.filter { !$0.hasPrefix(".") && $0 != "README.md" }.sorted().map {
            Array(try Data(contentsOf: dir.appendingPathComponent($0)))
        }
    }

    /// Flips, inserts, deletes or duplicates a few bytes, with a bias to JSON/note punctuation.
    public static func mutate(_ input: inout [UInt8], using random: inout SeededRandom) {
        let interesting: [UInt8] = Array("{}[]\",:\\u0123456789.eE-+ \n\tntf—".utf8) + [0x00, 0x7f, 0x80, 0xc0, 0xed, 0xff]
        for _ in 0..<Int.random(in: 1...3, using: &random) {
            let position = input.isEmpty ? 0 : Int.random(in: 0..<input.count, using: &random)
            switch Int.random(in: 0..<5, using: &random) {
            case 0 where !input.isEmpty: input[position] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
            case 1: input.insert(interesting.randomElement(using: &random)!, at: position)
            case 2 where !input.isEmpty: input.remove(at: position)
            case 3 where !input.isEmpty: input[position] = interesting.randomElement(using: &random)!
            default:
                let end = min(input.count, position + Int.random(in: 0...8, using: &random))
                input.insert(contentsOf: input[position..<end], at: position)
            }
        }
    }
}
