import FlowLedger

/// Which entries `flowledger tail` prints: `--type` (a prefix of the event type, so `exchange.`
/// takes both exchange types), `--party` (the author or the counterparty the event names) and
/// `--dataset`. Several values of one option are alternatives; different options must all hold.
struct TailFilter {
    let typePrefixes: [String]
    let parties: Set<String>
    let datasets: Set<String>

    /// Checks each `--type` against the catalogue, so a typo is an error rather than silence.
    init(types: [String], parties: [String], datasets: [String]) throws {
        for prefix in types where !EventType.allCases.contains(where: { $0.rawValue.hasPrefix(prefix) }) {
            throw CommandFailure("--type: no event type starts with \"\(prefix)\"; known types: \(EventType.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        typePrefixes = types
        self.parties = Set(parties)
        self.datasets = Set(datasets)
    }

    /// True when no option narrows the entries.
    var isEmpty: Bool { typePrefixes.isEmpty && parties.isEmpty && datasets.isEmpty }

    /// Whether `entry` is to be printed.
    func matches(_ entry: Entry) -> Bool {
        let event = entry.event
        if !typePrefixes.isEmpty && !typePrefixes.contains(where: { event.type.rawValue.hasPrefix($0) }) { return false }
        if !parties.isEmpty && !parties.contains(event.author) && !(event.body.counterparty.map(parties.contains) ?? false) { return false }
        if !datasets.isEmpty && !(event.body.dataset.map(datasets.contains) ?? false) { return false }
        return true
    }
}
