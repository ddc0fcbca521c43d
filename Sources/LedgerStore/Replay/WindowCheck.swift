import Dispatch
import Foundation
import LedgerCore
import LedgerCrypto
import Synchronization

/// One line after the parallel step of ``ReplayEngine``.
struct CheckedLine: Sendable {
    /// The parsed entry, or why the line is not one.
    let entry: Result<Entry, FormatError>
    /// Its leaf hash L(n) = H(0x00 || line).
    let leaf: Hash32
    /// Whether the signature verified; nil when not checked here (policy, trusted prefix, or a
    /// key the step could not know: the ordered step checks it then).
    let signatureValid: Bool?
}

/// A window after the parallel step: its lines, and the keys its entries register (genesis,
/// `party.registered`, `party.key-rotated`), lent to the next window's step ahead of the rules.
struct CheckedWindow: Sendable {
    let lines: [CheckedLine]
    let introducedKeys: [String: PublicKey]
}

/// The parallel step of ``ReplayEngine``: parses each line strictly, hashes it and (when
/// `verifyFrom` is set) checks its signature, on every core.
///
/// A signature is checked under the key its key id names: in the state at the window's start,
/// in the window before (`lagging`: read ahead of the rules, since the step runs while that
/// window is applied), or registered earlier in this window. Key ids are unique in a ledger
/// (rule 5 refuses a key registered twice), so a key found this way is the one the rules will
/// name at that position; a registration that breaks a rule stops the replay before any entry
/// that used it. Entries whose key is none of these are left to the ordered step.
struct WindowCheck: Sendable {
    let hash: HashAlgorithm
    let origin: String
    /// Signatures of entries from this seq on are checked; nil: none.
    let verifyFrom: Int64?
    /// The state's keys at the window's start.
    let keys: [String: (party: String, key: PublicKey, retiredAt: Int64?)]
    /// Keys registered in the window before, not yet applied.
    let lagging: [String: PublicKey]

    func run(_ lines: [ReplayLine]) -> CheckedWindow {
        var checked = Parallel.map(lines.count, chunkSize: 16) { index -> CheckedLine in
            let line = lines[index]
            let leaf = Entry.leafHash(line: line.bytes, hash: hash)  // L(n) = H(0x00 || line)
            let entry: Entry
            if let parsed = line.parsed {
                entry = parsed
            } else {
                do throws(FormatError) {
                    entry = try Entry(line: line.bytes)
                } catch {
                    return CheckedLine(entry: .failure(error), leaf: leaf, signatureValid: nil)
                }
            }
            guard let verifyFrom, entry.seq >= verifyFrom, let key = knownKey(entry) else {
                return CheckedLine(entry: .success(entry), leaf: leaf, signatureValid: nil)
            }
            return CheckedLine(entry: .success(entry), leaf: leaf, signatureValid: entry.signed.verify(with: key, origin: origin))
        }
        guard let verifyFrom else { return CheckedWindow(lines: checked, introducedKeys: [:]) }
        // Keys registered inside the window: a scan in order, then the entries that need them
        // checked on every core again.
        var introduced: [String: PublicKey] = [:]
        var waiting: [(index: Int, key: PublicKey)] = []
        for index in checked.indices {
            guard case .success(let entry) = checked[index].entry else { continue }
            if checked[index].signatureValid == nil, entry.seq >= verifyFrom, let key = introduced[entry.event.keyID] {
                waiting.append((index, key))
            }
            if let key = Self.registeredKey(entry.event) { introduced[key.keyID] = key }
        }
        let verified = Parallel.map(waiting.count, chunkSize: 4) { index -> Bool in
            guard case .success(let entry) = checked[waiting[index].index].entry else { return false }
            return entry.signed.verify(with: waiting[index].key, origin: origin)
        }
        for (position, item) in waiting.enumerated() {
            checked[item.index] = CheckedLine(entry: checked[item.index].entry, leaf: checked[item.index].leaf, signatureValid: verified[position])
        }
        return CheckedWindow(lines: checked, introducedKeys: introduced)
    }

    /// The key `entry` is to be checked under, if known before this window.
    private func knownKey(_ entry: Entry) -> PublicKey? {
        if case .genesis(let body) = entry.event.body { return body.operator.key }
        return keys[entry.event.keyID]?.key ?? lagging[entry.event.keyID]
    }

    /// The key `event` registers for later entries, if any.
    static func registeredKey(_ event: Event) -> PublicKey? {
        switch event.body {
        case .genesis(let body): body.operator.key
        case .partyRegistered(let body): body.key
        case .partyKeyRotated(let body): body.key
        default: nil
        }
    }
}
