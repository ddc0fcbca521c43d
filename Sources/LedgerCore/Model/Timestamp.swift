import LedgerCrypto

/// An RFC 3339 UTC time (`2026-11-23T08:00:00.123456Z`), kept with its exact text because the
/// text is what is signed and hashed.
///
/// Only the UTC form is accepted (`Z`, uppercase `T`, 0–9 fraction digits, no leap second), so a
/// time has one spelling per precision. Ledger `time` fields use exactly six fraction digits.
public struct Timestamp: Comparable, Hashable, Sendable, CustomStringConvertible {
    /// The text as written.
    public let text: String
    /// Whole seconds since 1970-01-01T00:00:00Z.
    public let seconds: Int64
    /// The fraction, in nanoseconds (0..<1_000_000_000).
    public let nanoseconds: Int32
    /// How many fraction digits the text has.
    public let fractionDigits: Int

    /// Parses an RFC 3339 UTC time.
    /// - Parameter field: names the field in errors.
    public init(parsing text: String, field: String = "time") throws(FormatError) {
        // Read in place: this runs twice for every entry parsed.
        let parsed = text.utf8.withContiguousStorageIfAvailable(Self.parse) ?? Array(text.utf8).withUnsafeBufferPointer(Self.parse)
        switch parsed {
        case .success(let (seconds, nanoseconds, digits)):
            self.text = text
            self.seconds = seconds
            self.nanoseconds = nanoseconds
            self.fractionDigits = digits
        case .failure(let why):
            throw FormatError(.invalidValue, field: field, "\"\(quotedForMessage(text))\" is not an RFC 3339 UTC time (\(why.reason)); expected e.g. 2026-11-23T08:00:00Z or 2026-11-23T08:00:00.123456Z")
        }
    }

    /// Why a text is not an RFC 3339 UTC time.
    private struct Rejection: Error { let reason: String }

    /// Seconds, nanoseconds and fraction digits of the UTF-8 text `b`.
    private static func parse(_ b: UnsafeBufferPointer<UInt8>) -> Result<(Int64, Int32, Int), Rejection> {
        func fail(_ why: String) -> Result<(Int64, Int32, Int), Rejection> { .failure(Rejection(reason: why)) }
        guard b.count >= 20, b.count <= 30 else { return fail("wrong length") }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for i in range {
                guard b[i] >= UInt8(ascii: "0"), b[i] <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(b[i] - UInt8(ascii: "0"))
            }
            return value
        }
        guard b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-"), b[10] == UInt8(ascii: "T"),
              b[13] == UInt8(ascii: ":"), b[16] == UInt8(ascii: ":"), b[b.count - 1] == UInt8(ascii: "Z")
        else { return fail("separators must be YYYY-MM-DDTHH:MM:SS and the zone must be Z") }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
              let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19)
        else { return fail("non-digit in a date or time field") }
        guard (1...12).contains(month) else { return fail("month \(month)") }
        guard (1...Self.daysIn(month: month, year: year)).contains(day) else { return fail("day \(day) of month \(month)") }
        guard hour < 24, minute < 60 else { return fail("hour or minute out of range") }
        guard second < 60 else { return fail("seconds must be 00–59; leap seconds are not accepted") }
        var nanos = 0
        var digits = 0
        if b.count > 20 {
            guard b[19] == UInt8(ascii: "."), b.count > 21, let fraction = number(20..<(b.count - 1)) else {
                return fail("the fraction must be '.' followed by 1–9 digits")
            }
            digits = b.count - 21
            nanos = fraction
            for _ in digits..<9 { nanos *= 10 }
        }
        let seconds = Int64(Self.daysFromCivil(year: year, month: month, day: day)) * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return .success((seconds, Int32(nanos), digits))
    }

    /// The instants RFC 3339 can write, years 0000–9999, in microseconds since the epoch. A time
    /// made by ``init(microsecondsSinceEpoch:)`` outside them has a text no reader accepts.
    public static let writableMicroseconds: ClosedRange<Int64> = -62_167_219_200_000_000...253_402_300_799_999_999

    /// The time `microseconds` after the epoch, written with exactly six fraction digits (the form
    /// the ledger uses for entry `time`). Within ``writableMicroseconds`` the text parses back.
    public init(microsecondsSinceEpoch microseconds: Int64) {
        let seconds = microseconds >= 0 ? microseconds / 1_000_000 : (microseconds - 999_999) / 1_000_000
        let micros = Int(microseconds - seconds * 1_000_000)
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = Self.civilFromDays(Int(days))
        // Written digit by digit into one buffer: every appended entry gets a time, and seven
        // padded strings joined by interpolation cost the committer thread a microsecond each.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        func digits(_ value: Int, _ width: Int) {
            var scale = 1
            for _ in 1..<width { scale *= 10 }
            guard value >= 0, value < scale * 10 else {  // outside the writable range: as String writes it
                let text = String(value).utf8
                for _ in 0..<max(0, width - text.count) { bytes.append(UInt8(ascii: "0")) }
                bytes += text
                return
            }
            while scale > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(value / scale % 10))
                scale /= 10
            }
        }
        digits(year, 4); bytes.append(UInt8(ascii: "-"))
        digits(month, 2); bytes.append(UInt8(ascii: "-"))
        digits(day, 2); bytes.append(UInt8(ascii: "T"))
        digits(secondOfDay / 3600, 2); bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay / 60 % 60, 2); bytes.append(UInt8(ascii: ":"))
        digits(secondOfDay % 60, 2); bytes.append(UInt8(ascii: "."))
        digits(micros, 6); bytes.append(UInt8(ascii: "Z"))
        self.text = String(decoding: bytes, as: UTF8.self)
        self.seconds = seconds
        self.nanoseconds = Int32(micros * 1000)
        self.fractionDigits = 6
    }

    /// Microseconds since the epoch (truncating any finer fraction).
    public var microsecondsSinceEpoch: Int64 { seconds * 1_000_000 + Int64(nanoseconds / 1000) }

    /// The text.
    public var description: String { text }

    /// Ordered by the instant, not the text.
    public static func < (a: Timestamp, b: Timestamp) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// Equal when the instants are equal *and* the text is the same (the text is signed).
    public static func == (a: Timestamp, b: Timestamp) -> Bool { a.text == b.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }

    /// True when both name the same instant, whatever their spelling.
    public func isSameInstant(as other: Timestamp) -> Bool {
        seconds == other.seconds && nanoseconds == other.nanoseconds
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    // Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian calendar).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static func civilFromDays(_ days: Int) -> (Int, Int, Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
