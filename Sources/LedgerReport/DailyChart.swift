/// Exchanges per day as a small SVG bar chart. Beyond 92 days the bars hold several days each,
/// so a year of data is as wide as a quarter. Each bar's title gives its days and count.
struct DailyChart {
    static let width = 1100.0, height = 160.0, left = 54.0, bottom = 26.0, top = 14.0

    /// Writes the chart of `counted` (days in order) as one `<svg>`, with the days between them
    /// that saw no exchange drawn as empty, so the time axis is even.
    static func write(_ counted: [(day: String, exchanges: Int64)], caption: String, to html: inout HTMLWriter) {
        let days = calendar(counted)
        let perBar = max(1, (days.count + 91) / 92)
        var bars: [(first: String, last: String, count: Int64)] = []
        var index = 0
        while index < days.count {
            let slice = days[index..<min(index + perBar, days.count)]
            bars.append((slice.first!.day, slice.last!.day, slice.reduce(0) { $0 + $1.exchanges }))
            index += perBar
        }
        let highest = max(bars.map(\.count).max() ?? 1, 1)
        let plotWidth = width - left - 10, plotHeight = height - bottom - top
        html.raw("<svg class=\"chart\" xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(f(width)) \(f(height))\" width=\"\(f(width))\" height=\"\(f(height))\" role=\"img\" aria-label=\"")
        html.text(caption)
        html.raw("\">")
        for tick in [0, highest / 2, highest] where tick >= 0 {
            let y = top + plotHeight - plotHeight * Double(tick) / Double(highest)
            html.raw("<line x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - 10))\" y2=\"\(f(y))\" class=\"grid\"/>")
            html.raw("<text class=\"tick\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(grouped(tick))</text>")
        }
        guard !bars.isEmpty else { html.raw("</svg>"); return }
        let slot = plotWidth / Double(bars.count)
        let labelEvery = max(1, Int((70 / slot).rounded(.up)))
        for (i, bar) in bars.enumerated() {
            let h = plotHeight * Double(bar.count) / Double(highest)
            let x = left + Double(i) * slot
            let barWidth = min(max(slot * 0.7, 1), 48)
            html.raw("<rect class=\"bar\" x=\"\(f(x + (slot - barWidth) / 2))\" y=\"\(f(top + plotHeight - h))\" width=\"\(f(barWidth))\" height=\"\(f(h))\"><title>")
            html.text(bar.first == bar.last ? bar.first : "\(bar.first) – \(bar.last)")
            html.raw(": \(grouped(bar.count))</title></rect>")
            if i % labelEvery == 0 {
                html.raw("<text class=\"tick\" x=\"\(f(x + slot / 2))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">")
                html.text(String(bar.first.dropFirst(5)))
                html.raw("</text>")
            }
            if bars.count <= 31 && bar.count > 0 {
                html.raw("<text class=\"value\" x=\"\(f(x + slot / 2))\" y=\"\(f(top + plotHeight - h - 4))\" text-anchor=\"middle\">\(grouped(bar.count))</text>")
            }
        }
        html.raw("</svg>")
    }

    /// Every day from the first to the last of `counted`, with zero where none was counted.
    static func calendar(_ counted: [(day: String, exchanges: Int64)]) -> [(day: String, exchanges: Int64)] {
        guard let first = counted.first.flatMap({ dayNumber($0.day) }), let last = counted.last.flatMap({ dayNumber($0.day) }),
              last >= first, last - first < 100_000, counted.allSatisfy({ dayNumber($0.day) != nil }) else { return counted }
        var out = (first...last).map { (day: civil($0), exchanges: Int64(0)) }
        for entry in counted { out[dayNumber(entry.day)! - first].exchanges += entry.exchanges }
        return out
    }

    /// Days since 1970-01-01 of `YYYY-MM-DD` (proleptic Gregorian; H. Hinnant's days_from_civil).
    static func dayNumber(_ text: String) -> Int? {
        let parts = text.split(separator: "-")
        guard parts.count == 3, let y0 = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2]), (1...12).contains(m), (1...31).contains(d) else { return nil }
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// `YYYY-MM-DD` of a day number (civil_from_days).
    static func civil(_ number: Int) -> String {
        let z = number + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        let y = yoe + era * 400 + (m <= 2 ? 1 : 0)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))"
    }
}
