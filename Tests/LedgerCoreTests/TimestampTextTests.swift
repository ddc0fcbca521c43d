#if canImport(Glibc)
import Glibc
#endif
import LedgerCore
import Testing

/// The text of a time made from microseconds (an entry's `time`): exactly six fraction digits,
/// and it parses back to the same instant within the writable range.
@Suite("Timestamp text (TimestampText)")
struct TimestampTextTests {
    /// The spelling from the C library's calendar (`gmtime_r`), as an independent reference.
    private func reference(_ microseconds: Int64) -> String {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        var time = time_t(seconds)
        var fields = tm()
        gmtime_r(&time, &fields)
        func pad(_ value: Int, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(pad(Int(fields.tm_year) + 1900, 4))-\(pad(Int(fields.tm_mon) + 1, 2))-\(pad(Int(fields.tm_mday), 2))T"
            + "\(pad(Int(fields.tm_hour), 2)):\(pad(Int(fields.tm_min), 2)):\(pad(Int(fields.tm_sec), 2)).\(pad(Int(microseconds - seconds * 1_000_000), 6))Z"
    }

    @Test
    func theTextIsTheCalendarSpellingAndParsesBack() throws {
        let range = Timestamp.writableMicroseconds
        var generator = SystemRandomNumberGenerator()
        let edges: [Int64] = [range.lowerBound, range.upperBound, 0, -1, 1, 999_999, 1_000_000, 951_782_400_000_000, 1_795_420_800_000_001]
        for microseconds in edges + (0..<5000).map({ _ in Int64.random(in: range, using: &generator) }) {
            let time = Timestamp(microsecondsSinceEpoch: microseconds)
            #expect(time.text == reference(microseconds), "\(microseconds)")
            #expect(try Timestamp(parsing: time.text).microsecondsSinceEpoch == microseconds, "\(microseconds)")
        }
        #expect(Timestamp(microsecondsSinceEpoch: 1_795_420_800_000_001).text == "2026-11-23T08:00:00.000001Z")
    }
}
