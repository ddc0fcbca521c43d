import FlowLedger

/// Times and durations as people type them on the command line: an RFC 3339 UTC instant
/// (`2026-11-23T08:00:00Z`) or a span (`500ms`, `90s`, `15m`, `1h`, `2d`, `1h30m`), as
/// `journalctl --since` and `kubectl logs --since` take them. Every command's durations
/// (`--timeout`, `--ack-window`, `--checkpoint-interval`, `--idle-timeout`) are read here.
enum RelativeTime {
    /// Microseconds in each unit a span may use.
    private static let units: [Character: Int64] = ["s": 1_000_000, "m": 60_000_000, "h": 3_600_000_000, "d": 86_400_000_000]

    /// The length of a span such as `500ms`, `90s`, `1h30m` or `2d`, in microseconds; a bare
    /// number is seconds. Nil if `text` is not a span.
    static func duration(_ text: String) -> Int64? {
        if let seconds = Int64(text), seconds >= 0, seconds <= Int64.max / 1_000_000 { return seconds * 1_000_000 }
        var total: Int64 = 0
        var number: Int64?
        var characters = text[...]
        while let character = characters.popFirst() {
            if character == "m", characters.first == "s", let value = number {  // ms, not minutes then seconds
                characters.removeFirst()
                let (span, over1) = value.multipliedReportingOverflow(by: 1000)
                let (sum, over2) = total.addingReportingOverflow(span)
                guard !over1, !over2 else { return nil }
                total = sum
                number = nil
            } else if let digit = character.wholeNumberValue, character.isASCII {
                let (times, over1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, over2) = times.addingReportingOverflow(Int64(digit))
                guard !over1, !over2 else { return nil }
                number = sum
            } else if let unit = units[character], let value = number {
                let (span, over1) = value.multipliedReportingOverflow(by: unit)
                let (sum, over2) = total.addingReportingOverflow(span)
                guard !over1, !over2 else { return nil }
                total = sum
                number = nil
            } else {
                return nil
            }
        }
        return number == nil && !text.isEmpty ? total : nil
    }

    /// A positive span given to `option`, in microseconds; the error says how to write one.
    static func positiveDuration(_ text: String, option: String) throws -> Int64 {
        guard let span = duration(text), span > 0 else {
            throw CommandFailure("\(option): \"\(text)\" is not a duration; write it as 500ms, 90s, 15m, 1h, 2d or 1h30m (a bare number is seconds)")
        }
        return span
    }

    /// The instant `text` names: an RFC 3339 UTC time, or a span before `now`.
    /// - Parameter option: names the option in errors (`--since`).
    static func instant(_ text: String, now: Timestamp, option: String) throws -> Timestamp {
        if let span = duration(text) { return Timestamp(microsecondsSinceEpoch: now.microsecondsSinceEpoch - span) }
        do {
            return try Timestamp(parsing: text, field: option)
        } catch {
            throw CommandFailure("\(option): \"\(text)\" is neither an RFC 3339 UTC time (2026-11-23T08:00:00Z) nor a span back from now (90s, 15m, 1h, 2d, 1h30m)")
        }
    }
}
