import LedgerCore
import LedgerCrypto

/// The registered parties and their keys as of the last durable entry: what a server asks when
/// it checks who signed a request (DESIGN §11.4). A copy the sequencer publishes after each group,
/// so a lookup never waits for the committer (the dictionaries are shared until the next party
/// event changes them).
package struct PartyDirectory: Sendable {
    /// What a key id stands for.
    package enum Standing: Sendable, Equatable {
        /// The current key of a registered party in good standing.
        case active(party: String, key: PublicKey)
        /// A key the party has rotated away from: it signs nothing any more.
        case retired(party: String)
        /// The current key of a suspended party.
        case suspended(party: String)
        /// No party has this key.
        case unknown
    }

    private let parties: [String: LedgerState.Party]
    private let keys: [String: (party: String, key: PublicKey, retiredAt: Int64?)]

    /// The directory of `state`.
    package init(_ state: LedgerState) {
        parties = state.parties
        keys = state.keys
    }

    /// The standing of the key whose §3 key id is `keyID`.
    package func standing(ofKey keyID: String) -> Standing {
        guard let entry = keys[keyID] else { return .unknown }
        if entry.retiredAt != nil { return .retired(party: entry.party) }
        if parties[entry.party]?.suspended ?? true { return .suspended(party: entry.party) }
        return .active(party: entry.party, key: entry.key)
    }
}
