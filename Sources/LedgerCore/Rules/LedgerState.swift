import LedgerCrypto

/// The state the integrity rules of DESIGN §7 need, folded from the log one entry at a time:
/// parties and their keys, datasets, grants, exchanges and the event ids already used.
///
/// The writer asks it whether a new event may be appended (``admit(_:seq:signature:storedEvent:)``)
/// and the replay on open feeds it every stored entry (``replay(_:leafHash:signature:)``). It
/// does no I/O and no signature checks of its own: signatures are checked in parallel by the caller
/// under the key ``verificationKey(for:)`` names, and passed in.
///
/// Changes can be undone back to a ``mark`` (``rollback(to:)``), so a batch that fails part-way, or
/// whose write fails, leaves the state exactly as it was.
///
/// ```swift
/// var state = LedgerState(origin: origin)
/// for (line, leaf) in storedLines { try state.replay(try Entry(line: line), leafHash: leaf, signature: .notChecked) }
/// let key = try state.verificationKey(for: signed.event, seq: state.size).get()
/// let outcome = try state.admit(signed, seq: state.size, signature: SignatureCheck(signed.verify(with: key, origin: origin))) { seq in … }
/// ```
package struct LedgerState: Sendable {
    /// A registered party.
    package struct Party: Sendable, Equatable {
        /// Party id.
        package let id: String
        /// Kind of organisation (the operator counts as an `organization`).
        package let kind: PartyKind
        /// Roles.
        package let roles: [PartyRole]
        /// True for the ledger's operator (from genesis).
        package let isOperator: Bool
        /// The key id of the current key.
        package var keyID: String
        /// True while suspended.
        package var suspended: Bool
    }

    /// A cataloged dataset.
    package struct Dataset: Sendable, Equatable {
        /// The owner, who cataloged it.
        package let owner: String
        /// Field names.
        package let fields: [String]
    }

    /// An issued grant.
    package struct Grant: Sendable, Equatable {
        /// The dataset granted.
        package let dataset: String
        /// Who issued it (the dataset's owner at the time).
        package let owner: String
        /// Seq of the `grant.revoked`, if revoked.
        package var revokedAt: Int64?
    }

    /// A recorded exchange.
    package struct Exchange: Sendable, Equatable {
        /// The dataset sent.
        package let dataset: String
        /// The receiving party.
        package let recipient: String
        /// Seq of the `exchange.received`, once acknowledged.
        package var receivedAt: Int64?

        /// An exchange as a ``RuleHistory`` reads it back.
        package init(dataset: String, recipient: String, receivedAt: Int64?) {
            self.dataset = dataset
            self.recipient = recipient
            self.receivedAt = receivedAt
        }
    }

    /// What ``admit(_:seq:signature:storedEvent:)`` decided.
    package enum Admission: Sendable, Equatable {
        /// A new event: append it at the seq given.
        case new
        /// The identical event is already in the log at this seq: return its receipt.
        case duplicate(seq: Int64)
    }

    /// A point to roll back to.
    package struct Mark: Sendable { fileprivate let journalCount: Int }

    /// The ledger's origin (from genesis, or given before it).
    package internal(set) var origin: String
    /// The ledger's suite, once genesis is applied.
    package internal(set) var suite: Suite?
    /// The operator's party id, once genesis is applied.
    package internal(set) var operatorID: String?
    /// Entries applied so far: the seq the next entry gets.
    package internal(set) var size: Int64 = 0
    /// Leaf hash of the last entry (zero before genesis): the next entry's `prev`.
    package internal(set) var lastLeafHash: Hash32 = .zero
    /// Ledger time of the last entry; the next one may not be earlier.
    package internal(set) var lastTime: Timestamp?

    /// Parties by id.
    package internal(set) var parties: [String: Party] = [:]
    /// Datasets by id.
    package internal(set) var datasets: [String: Dataset] = [:]
    /// Grants by id.
    package internal(set) var grants: [String: Grant] = [:]
    /// Every key ever registered, by key id, with its party (key ids are unique in a ledger).
    package internal(set) var keys: [String: (party: String, key: PublicKey, retiredAt: Int64?)] = [:]
    /// (party, dataset) pairs the party was sent, so `quality.reported` can check the reporter.
    var received: Set<PartyDataset> = []
    /// Seq of every event by ``DigestKey``(author, id).
    var eventSeqs = ShardedTable<Int64>(placeholder: 0)
    /// Every exchange by ``DigestKey``(exchange id), 16 bytes each: one row per exchange ever
    /// sent stays for the life of the ledger (acknowledgements, quality reports and audit findings
    /// refer to it), so it is kept compact.
    var exchangeRows = ShardedTable(placeholder: ExchangeRow(dataset: 0, recipient: 0, receivedAt: -1))
    /// The dataset and party ids the exchange rows refer to.
    var names = NameTable()
    /// Where a long-lived writer keeps every (author, id) and exchange older than the rows above
    /// (``attach(history:)``); nil when the tables above hold all of history.
    var history: (any RuleHistory)?
    private var journal: [Undo] = []

    /// An empty state for the ledger named `origin` (genesis not yet applied).
    package init(origin: String) { self.origin = origin }

    // MARK: - Transactions

    /// The current point, to pass to ``rollback(to:)``.
    package var mark: Mark { Mark(journalCount: journal.count) }

    /// Undoes every change since `mark`.
    package mutating func rollback(to mark: Mark) {
        while journal.count > mark.journalCount {
            switch journal.removeLast() {
            case .party(let id, let old): parties[id] = old
            case .dataset(let id, let old): datasets[id] = old
            case .grant(let id, let old): grants[id] = old
            case .exchange(let key, let old): exchangeRows[key] = old
            case .key(let id, let old): keys[id] = old
            case .received(let pair): received.remove(pair)
            case .event(let key): eventSeqs[key] = nil
            case .position(let size, let leaf, let time):
                self.size = size
                lastLeafHash = leaf
                lastTime = time
            case .genesis:
                suite = nil
                operatorID = nil
            }
        }
    }

    /// Makes room for `entries` event ids at once, so a replay of a log of known size grows its
    /// largest table once instead of doubling it (a moment when old and new tables coexist).
    package mutating func reserveCapacity(entries: Int) {
        eventSeqs.reserveCapacity(entries)
    }

    /// The exchange with id `id`, if one was sent.
    package func exchange(_ id: String) -> Exchange? { exchange(key: DigestKey(id)) }

    /// The exchange whose id has `key`: from the recent rows, else from ``history``.
    private func exchange(key: DigestKey) -> Exchange? {
        if let row = exchangeRows[key] { return exchange(row) }
        return history?.exchange(key)
    }

    /// The exchange a row held in memory describes.
    func exchange(_ row: ExchangeRow) -> Exchange {
        Exchange(dataset: names[row.dataset], recipient: names[row.recipient], receivedAt: row.receivedAt < 0 ? nil : row.receivedAt)
    }

    /// The seq of the event whose (author, id) has `key`: from the recent rows, else from ``history``.
    private func eventSeq(_ key: DigestKey) -> Int64? { eventSeqs[key] ?? history?.eventSeq(key) }

    /// Hands every (author, id) and exchange seen so far over to `history`, which MUST already
    /// hold them all, and forgets them here: from now on the tables in memory hold only what is
    /// admitted after this call, and lookups fall through to `history`. Call it with nothing to
    /// roll back (after ``commit()``); a writer calls it each time it has flushed its rows.
    package mutating func attach(history: any RuleHistory) {
        precondition(!hasUncommittedChanges, "attach(history:) with changes that may still be rolled back")
        self.history = history
        eventSeqs = ShardedTable(placeholder: 0)
        exchangeRows = ShardedTable(placeholder: ExchangeRow(dataset: 0, recipient: 0, receivedAt: -1))
    }

    /// True while changes since the last ``commit()`` may still be rolled back.
    var hasUncommittedChanges: Bool { !journal.isEmpty }

    /// Forgets the undo journal: the changes so far are permanent (written to disk).
    package mutating func commit() { journal.removeAll(keepingCapacity: true) }

    // MARK: - Keys

    /// The key `event` claims to be signed with, for the caller to check the signature under:
    /// the genesis body's operator key, or the registered key with the event's key id. Whether
    /// that key may sign at this position is decided by ``admit(_:seq:signature:storedEvent:)``.
    package func verificationKey(for event: Event) -> PublicKey? {
        if case .genesis(let body) = event.body { return body.operator.key }
        return keys[event.keyID]?.key
    }

    // MARK: - Appending

    /// Decides whether `signed` may be appended at `seq` (= ``size`` plus any entries admitted
    /// ahead of it in the same batch), applying its effects if so.
    ///
    /// - Parameters:
    ///   - signature: whether the signature verifies under ``verificationKey(for:)`` with this
    ///     ledger's origin (``SignatureCheck/invalid`` if no such key exists). Anything but
    ///     ``SignatureCheck/valid`` is refused: a new event is always checked.
    ///   - storedEvent: reads the event stored at a seq, to compare a repeated id against.
    /// - Returns: ``Admission/new``, or ``Admission/duplicate(seq:)`` for an identical event (the
    ///   same canonical bytes) that is already in the log (nothing is changed).
    /// - Throws: ``RuleViolation`` naming the rule; the state is unchanged.
    package mutating func admit(_ signed: SignedEvent, seq: Int64, signature: SignatureCheck,
                               storedEvent: (Int64) throws -> Event) throws -> Admission {
        let event = signed.event
        let eventKey = DigestKey(event.author, event.id)
        if let earlier = eventSeq(eventKey) {
            // Identical means the same canonical bytes (the repeat's are at hand; the stored
            // event's are encoded again, on this rare path): Swift's `String` equality would call
            // NFC and NFD spellings of a text equal, handing a different event the first receipt.
            let stored = try storedEvent(earlier)
            guard stored.canonicalBytes == signed.canonicalEvent else {
                throw violation(.idConflict, seq, event, "id", "\(event.author) already used event id \"\(event.id)\" at seq \(earlier) for a different event; choose a new id (an identical event would return the original receipt)")
            }
            guard signature == .valid else {
                throw violation(.badSignature, seq, event, "sig", "the event repeats the one at seq \(earlier) but its signature does not verify; it was not signed by key \(event.keyID) for ledger \"\(origin)\"")
            }
            return .duplicate(seq: earlier)
        }
        let mark = self.mark
        do {
            try checkSigner(event, seq: seq, signatureAccepted: signature == .valid)
            try apply(event, seq: seq)
        } catch {
            rollback(to: mark)
            throw error
        }
        journal.append(.event(eventKey))
        eventSeqs[eventKey] = seq
        return .new
    }

    /// Records that the admitted event became entry `seq` with `leafHash` at ledger `time`.
    package mutating func sequenced(seq: Int64, leafHash: Hash32, time: Timestamp) {
        journal.append(.position(size, lastLeafHash, lastTime))
        size = seq + 1
        lastLeafHash = leafHash
        lastTime = time
    }

    // MARK: - Replay

    /// Applies a stored entry, checking every rule that needs no signature — seq, prev chain and
    /// time order (rule 1), signer (2), id uniqueness (3), references (5), authority (6) and
    /// boundary (7) — and the signature as the caller's policy says: ``SignatureCheck/invalid``
    /// is a break, ``SignatureCheck/notChecked`` is accepted (the caller trusts it, or checks it
    /// afterwards under ``verificationKey(for:)``).
    package mutating func replay(_ entry: Entry, leafHash: Hash32, signature: SignatureCheck) throws(RuleViolation) {
        let event = entry.event
        // Rule 1's order (DESIGN §5): seq, prev chain and time, as a reader without the state checks it.
        var link = ChainLink(size: size, lastLeafHash: lastLeafHash, lastTime: lastTime)
        try link.follow(entry, leafHash: leafHash)
        let eventKey = DigestKey(event.author, event.id)
        if let earlier = eventSeq(eventKey) {
            throw violation(.idConflict, entry.seq, event, "event.id", "\(event.author) already used event id \"\(event.id)\" at seq \(earlier); each (author, id) appears once")
        }
        let mark = self.mark
        do throws(RuleViolation) {
            try checkSigner(event, seq: entry.seq, signatureAccepted: signature != .invalid)
            try apply(event, seq: entry.seq)
        } catch {
            rollback(to: mark)
            throw error
        }
        journal.append(.event(eventKey))
        eventSeqs[eventKey] = entry.seq
        sequenced(seq: entry.seq, leafHash: leafHash, time: entry.time)
    }

    // MARK: - Rules

    private func violation(_ code: RuleViolation.Code, _ seq: Int64, _ event: Event, _ field: String, _ message: String) -> RuleViolation {
        // seq, prev, sig and time belong to the entry (and sig to the {event, sig} input), not the event.
        let entryField = field.isEmpty || field.hasPrefix("event") || ["seq", "prev", "sig", "time"].contains(field)
        return RuleViolation(code, seq: seq, eventID: event.id, author: event.author, field: entryField ? field : "event.\(field)", message)
    }

    /// Rule 2: the author is registered and active, the key is its current key, the signature holds.
    private func checkSigner(_ event: Event, seq: Int64, signatureAccepted: Bool) throws(RuleViolation) {
        if case .genesis(let body) = event.body {
            guard seq == 0 else {
                throw violation(.invalidEvent, seq, event, "type", "ledger.genesis may only be entry 0")
            }
            guard body.origin == origin else {
                throw violation(.invalidEvent, seq, event, "body.origin", "genesis names origin \"\(quotedForMessage(body.origin))\" but this ledger is \"\(origin)\"")
            }
        } else {
            guard seq > 0, operatorID != nil else {
                throw violation(.invalidEvent, seq, event, "type", "entry 0 must be ledger.genesis")
            }
            guard let party = parties[event.author] else {
                throw violation(.unknownAuthor, seq, event, "author", "\(event.author) is not a registered party; it must be registered (party.registered) before it can write")
            }
            guard !party.suspended else {
                throw violation(.suspendedAuthor, seq, event, "author", "\(event.author) is suspended and may not write until a party.reinstated event")
            }
            guard let key = keys[event.keyID], key.party == event.author else {
                throw violation(.unknownKey, seq, event, "key", "no key with id \(event.keyID) belongs to \(event.author); its current key is \(party.keyID)")
            }
            if let retired = key.retiredAt {
                throw violation(.retiredKey, seq, event, "key", "key \(event.keyID) of \(event.author) was retired by the key rotation at seq \(retired); sign with the current key \(party.keyID)")
            }
        }
        guard signatureAccepted else {
            throw violation(.badSignature, seq, event, "sig", "the signature does not verify under key \(event.keyID) for ledger \"\(origin)\": the event was changed after signing, signed with another key, or signed for another ledger")
        }
    }

    private func requireParty(_ id: String, _ event: Event, _ seq: Int64, field: String) throws(RuleViolation) -> Party {
        guard let party = parties[id] else {
            throw violation(.unknownReference, seq, event, field, "party \(id) is not registered")
        }
        return party
    }

    private func requireDataset(_ id: String, _ event: Event, _ seq: Int64, field: String = "body.dataset") throws(RuleViolation) -> Dataset {
        guard let dataset = datasets[id] else {
            throw violation(.unknownReference, seq, event, field, "dataset \"\(id)\" has not been cataloged (dataset.cataloged)")
        }
        return dataset
    }

    private func requireOwner(_ dataset: Dataset, _ id: String, _ event: Event, _ seq: Int64) throws(RuleViolation) {
        guard dataset.owner == event.author else {
            throw violation(.notAuthorized, seq, event, "author", "only the owner of dataset \"\(id)\", \(dataset.owner), may write \(event.type.rawValue) for it")
        }
    }

    private func requireRole(_ role: PartyRole, orOperator: Bool, _ event: Event, _ seq: Int64, also other: PartyRole? = nil) throws(RuleViolation) {
        let author = parties[event.author]!  // checkSigner ran first
        if orOperator && author.isOperator { return }
        if author.roles.contains(role) { return }
        if let other, author.roles.contains(other) { return }
        var allowed = orOperator ? ["the operator"] : []
        allowed.append("role \(role.rawValue)")
        if let other { allowed.append("role \(other.rawValue)") }
        throw violation(.notAuthorized, seq, event, "author", "\(event.author) may not write \(event.type.rawValue): it needs \(allowed.joined(separator: " or ")) (its roles: \(Self.describe(author.roles)))")
    }

    /// "provider, recipient", or "none".
    private static func describe(_ roles: [PartyRole]) -> String {
        roles.isEmpty ? "none" : roles.map(\.rawValue).joined(separator: ", ")
    }

    private func requireNewKey(_ key: PublicKey, _ event: Event, _ seq: Int64) throws(RuleViolation) {
        guard key.suite == suite else {
            throw violation(.invalidEvent, seq, event, "body.key", "is a \(key.suite.keyPrefix) key but this ledger's suite is \(suite?.rawValue ?? "unknown")")
        }
        if let existing = keys[key.keyID] {
            throw violation(.alreadyExists, seq, event, "body.key", "key \(key.keyID) is already registered to \(existing.party); every party needs its own key")
        }
    }

    private mutating func setParty(_ id: String, _ value: Party?) {
        journal.append(.party(id, parties[id]))
        parties[id] = value
    }

    private mutating func addKey(_ key: PublicKey, party: String) {
        journal.append(.key(key.keyID, keys[key.keyID]))
        keys[key.keyID] = (party, key, nil)
    }

    /// Rules 4–7 and the event's effect on the state.
    private mutating func apply(_ event: Event, seq: Int64) throws(RuleViolation) {
        switch event.body {
        case .genesis(let body):
            journal.append(.genesis)
            suite = body.suite
            operatorID = body.operator.party
            setParty(body.operator.party, Party(id: body.operator.party, kind: .organization, roles: [], isOperator: true, keyID: body.operator.key.keyID, suspended: false))
            addKey(body.operator.key, party: body.operator.party)

        case .partyRegistered(let body):
            try requireRole(.registrar, orOperator: true, event, seq)
            guard parties[body.party] == nil else {
                throw violation(.alreadyExists, seq, event, "body.party", "party \(body.party) is already registered")
            }
            try requireNewKey(body.key, event, seq)
            setParty(body.party, Party(id: body.party, kind: body.kind, roles: body.roles, isOperator: false, keyID: body.key.keyID, suspended: false))
            addKey(body.key, party: body.party)

        case .partyKeyRotated(let body):
            try requireNewKey(body.key, event, seq)
            var party = parties[event.author]!
            let old = keys[party.keyID]!
            journal.append(.key(party.keyID, old))
            keys[party.keyID] = (old.party, old.key, seq)
            party.keyID = body.key.keyID
            setParty(party.id, party)
            addKey(body.key, party: party.id)

        case .partySuspended(let body), .partyReinstated(let body):
            try requireRole(.registrar, orOperator: true, event, seq, also: .regulator)
            var party = try requireParty(body.party, event, seq, field: "body.party")
            let suspending = event.type == .partySuspended
            guard !party.isOperator else {
                throw violation(.notAuthorized, seq, event, "body.party", "the operator \(party.id) cannot be suspended or reinstated")
            }
            guard party.suspended != suspending else {
                throw violation(.alreadyExists, seq, event, "body.party", "party \(party.id) is already \(suspending ? "suspended" : "active")")
            }
            party.suspended = suspending
            setParty(party.id, party)

        case .datasetCataloged(let body):
            try requireRole(.provider, orOperator: false, event, seq)
            guard datasets[body.dataset] == nil else {
                throw violation(.alreadyExists, seq, event, "body.dataset", "dataset \"\(body.dataset)\" is already cataloged (by \(datasets[body.dataset]!.owner)); use dataset.reclassified to change it")
            }
            journal.append(.dataset(body.dataset, nil))
            datasets[body.dataset] = Dataset(owner: event.author, fields: body.fields)

        case .datasetReclassified(let body):
            try requireOwner(try requireDataset(body.dataset, event, seq), body.dataset, event, seq)

        case .grantIssued(let body):
            try requireOwner(try requireDataset(body.dataset, event, seq), body.dataset, event, seq)
            guard grants[body.grant] == nil else {
                throw violation(.alreadyExists, seq, event, "body.grant", "grant \"\(body.grant)\" already exists; grant ids are unique in a ledger")
            }
            _ = try requireParty(body.grantee, event, seq, field: "body.grantee")
            journal.append(.grant(body.grant, nil))
            grants[body.grant] = Grant(dataset: body.dataset, owner: event.author, revokedAt: nil)

        case .grantRevoked(let body):
            guard var grant = grants[body.grant] else {
                throw violation(.unknownReference, seq, event, "body.grant", "grant \"\(body.grant)\" was never issued")
            }
            guard grant.owner == event.author else {
                throw violation(.notAuthorized, seq, event, "author", "only \(grant.owner), who issued grant \"\(body.grant)\", may revoke it")
            }
            if let revokedAt = grant.revokedAt {
                throw violation(.alreadyExists, seq, event, "body.grant", "grant \"\(body.grant)\" was already revoked at seq \(revokedAt)")
            }
            journal.append(.grant(body.grant, grant))
            grant.revokedAt = seq
            grants[body.grant] = grant

        case .exchangeSent(let body):
            try requireOwner(try requireDataset(body.dataset, event, seq), body.dataset, event, seq)
            let exchangeKey = DigestKey(body.exchange)
            guard exchange(key: exchangeKey) == nil else {
                throw violation(.alreadyExists, seq, event, "body.exchange", "exchange \"\(body.exchange)\" is already recorded; exchange ids are unique in a ledger")
            }
            if let grant = body.grant, grants[grant] == nil {
                throw violation(.unknownReference, seq, event, "body.grant", "grant \"\(grant)\" was never issued; name an issued grant or omit the field")
            }
            guard body.recipient != event.author else {
                throw violation(.notCrossBoundary, seq, event, "body.recipient", "\(event.author) cannot send to itself: an exchange crosses a boundary to another party")
            }
            guard let recipient = parties[body.recipient] else {
                throw violation(.notCrossBoundary, seq, event, "body.recipient", "recipient \(body.recipient) is not a registered party; register it first")
            }
            guard recipient.roles.contains(.recipient) else {
                throw violation(.notCrossBoundary, seq, event, "body.recipient", "party \(body.recipient) does not have the role recipient (its roles: \(Self.describe(recipient.roles)))")
            }
            journal.append(.exchange(exchangeKey, nil))
            exchangeRows[exchangeKey] = ExchangeRow(dataset: names.index(body.dataset), recipient: names.index(body.recipient), receivedAt: -1)
            let pair = PartyDataset(party: body.recipient, dataset: body.dataset)
            if received.insert(pair).inserted { journal.append(.received(pair)) }

        case .exchangeReceived(let body):
            let exchangeKey = DigestKey(body.exchange)
            guard let sent = exchange(key: exchangeKey) else {
                throw violation(.unknownReference, seq, event, "body.exchange", "exchange \"\(body.exchange)\" was never sent (no exchange.sent)")
            }
            guard sent.recipient == event.author else {
                throw violation(.notAuthorized, seq, event, "author", "only the recipient of exchange \"\(body.exchange)\", \(sent.recipient), may acknowledge it")
            }
            if let receivedAt = sent.receivedAt {
                throw violation(.alreadyExists, seq, event, "body.exchange", "exchange \"\(body.exchange)\" was already acknowledged at seq \(receivedAt)")
            }
            // The undo restores the recent row as it was (nil for a row only `history` holds).
            journal.append(.exchange(exchangeKey, exchangeRows[exchangeKey]))
            exchangeRows[exchangeKey] = ExchangeRow(dataset: names.index(sent.dataset), recipient: names.index(sent.recipient), receivedAt: seq)

        case .qualityReported(let body):
            _ = try requireDataset(body.dataset, event, seq)
            if let id = body.exchange {
                guard let exchange = exchange(id) else {
                    throw violation(.unknownReference, seq, event, "body.exchange", "exchange \"\(id)\" was never sent")
                }
                guard exchange.dataset == body.dataset else {
                    throw violation(.unknownReference, seq, event, "body.exchange", "exchange \"\(id)\" carried dataset \"\(exchange.dataset)\", not \"\(body.dataset)\"")
                }
                guard exchange.recipient == event.author else {
                    throw violation(.notAuthorized, seq, event, "author", "only the recipient of exchange \"\(id)\", \(exchange.recipient), may report on it")
                }
            } else if !received.contains(PartyDataset(party: event.author, dataset: body.dataset)) {
                throw violation(.notAuthorized, seq, event, "author", "\(event.author) was never sent dataset \"\(body.dataset)\"; only a party that received it may report on its quality")
            }

        case .auditFinding(let body):
            try requireRole(.regulator, orOperator: false, event, seq)
            let subject = body.subject
            guard exchange(key: DigestKey(subject)) != nil || grants[subject] != nil || datasets[subject] != nil || parties[subject] != nil else {
                throw violation(.unknownReference, seq, event, "body.subject", "\"\(subject)\" is not a known exchange, grant, dataset or party")
            }
        }
    }

    private enum Undo: Sendable {
        case party(String, Party?)
        case dataset(String, Dataset?)
        case grant(String, Grant?)
        case exchange(DigestKey, ExchangeRow?)
        case key(String, (party: String, key: PublicKey, retiredAt: Int64?)?)
        case received(PartyDataset)
        case event(DigestKey)
        case position(Int64, Hash32, Timestamp?)
        case genesis
    }
}

/// An exchange as stored: its dataset and recipient as ``NameTable`` indexes, and the seq of its
/// acknowledgement (-1 while unacknowledged). 16 bytes.
struct ExchangeRow: Sendable {
    let dataset: UInt32
    let recipient: UInt32
    var receivedAt: Int64
}

struct PartyDataset: Hashable, Sendable {
    let party: String
    let dataset: String
}
