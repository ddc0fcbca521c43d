/// The closed value sets of DESIGN §6.

/// What kind of organisation a party is.
public enum PartyKind: String, Sendable, CaseIterable, Hashable {
    /// A government body, a company, another organisation (the operator is one), or a regulator.
    case government, enterprise, organization, regulator
}

/// What a party may do (DESIGN §6, §7 rule 6).
public enum PartyRole: String, Sendable, CaseIterable, Hashable, Comparable {
    /// Provides datasets, receives them, supervises, or registers parties.
    case provider, recipient, regulator, registrar
    /// Sorted by name, the order roles are listed in events.
    public static func < (a: PartyRole, b: PartyRole) -> Bool { a.rawValue < b.rawValue }
}

/// A dataset's sharing class: not shared, shared on conditions, shared openly.
public enum SharingClass: String, Sendable, CaseIterable, Hashable {
    /// Not shared, shared on conditions (a grant), shared openly.
    case none, conditional, open
}

/// A dataset's security level: general, important or core data.
public enum SecurityLevel: String, Sendable, CaseIterable, Hashable {
    /// General, important or core data, in rising order of protection.
    case general, important, core
}

/// The data-quality dimension a report is about.
public enum QualityDimension: String, Sendable, CaseIterable, Hashable {
    /// The dimension named in a `quality.reported` event.
    case timeliness, accuracy, completeness, consistency, conformity
}

/// How serious a quality report or audit finding is.
public enum Severity: String, Sendable, CaseIterable, Hashable {
    /// Low, medium or high.
    case low, medium, high
}
