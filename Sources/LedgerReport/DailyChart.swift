/// Exchanges per day as a small SVG bar chart. Beyond 92 days the bars hold several days each,
/// so a year of data is as wide as a quarter. Each bar's title gives its days and count.
struct DailyChart {
    static let width = 1100.0, height = 160.0, left = 54.0, bottom = 26.0, top = 14.0

    /// Writes the chart of `days` (in order) as one `<svg>`.
    static func write(_ days: [(day: String, exchanges: Int64)], caption: String, to html: inout HTMLWriter) {
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
}
