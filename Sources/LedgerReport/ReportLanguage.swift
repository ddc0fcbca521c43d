/// The language of a report's labels, rule names and explanations. Ids and data from the log
/// are never translated: they are evidence and must read exactly as they were signed.
public enum ReportLanguage: String, Sendable, CaseIterable {
    /// English (`en`).
    case english = "en"
    /// Simplified Chinese (`zh-CN`): the regulators the report is built for read Chinese.
    case simplifiedChinese = "zh-CN"

    /// The language for a BCP 47 tag as given to `--lang` (`en`, `zh-CN`; case-insensitive,
    /// `zh` and `zh-Hans` accepted), or nil.
    public init?(tag: String) {
        switch tag.lowercased() {
        case "en", "en-us", "en-gb": self = .english
        case "zh-cn", "zh", "zh-hans", "zh-hans-cn": self = .simplifiedChinese
        default: return nil
        }
    }

    /// The phrases in this language.
    var strings: ReportStrings { self == .english ? .english : .simplifiedChinese }
}
