import Testing
@testable import LedgerReport

/// The chart of exchanges per day has an even time axis: days without exchanges are drawn empty,
/// across month ends and leap days; a long ledger is drawn in at most 92 bars.
@Suite struct DailyChartTests {
    @Test func daysWithoutExchangesAreFilledIn() {
        let days = DailyChart.calendar([("2026-11-23", 6), ("2026-11-24", 4), ("2026-11-27", 1)])
        #expect(days.map(\.day) == ["2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26", "2026-11-27"])
        #expect(days.map(\.exchanges) == [6, 4, 0, 0, 1])
        #expect(DailyChart.calendar([("2028-02-28", 1), ("2028-03-01", 2)]).map(\.day) == ["2028-02-28", "2028-02-29", "2028-03-01"])
        #expect(DailyChart.calendar([("2027-12-31", 1), ("2028-01-01", 2)]).map(\.exchanges) == [1, 2])
        #expect(DailyChart.dayNumber("1970-01-01") == 0 && DailyChart.civil(20_780) == "2026-11-23")
    }

    @Test func aLongLedgerIsDrawnInAtMost92Bars() {
        let year = (0..<365).map { (day: DailyChart.civil(20_454 + $0), exchanges: Int64(1)) }
        var html = HTMLWriter()
        DailyChart.write(year, caption: "per day", to: &html)
        let svg = String(decoding: html.bytes, as: UTF8.self)
        let bars = svg.components(separatedBy: "<rect class=\"bar\"").count - 1
        #expect(bars <= 92 && bars >= 73, "\(bars) bars")
        #expect(svg.contains("<title>2026-01-01 – 2026-01-04: 4</title>"))
    }
}
