import Foundation
import LedgerCore
import LedgerCrypto
import LedgerStore

/// A regulator's verified local copy of a served ledger (`flowledger mirror URL DIR`, issue 14):
/// an ordinary ledger directory — `verify`, `views`, `query`, `report` and `prove` work on it
/// offline — brought up to date on every run and resumable after a kill.
///
/// A run:
/// 1. reads the served manifest (`v1/ledger`) and the latest checkpoint, which must verify under
///    the operator key (the one given, else the copy's, else the one the server names the first
///    time) with every witness cosignature asked for, and be consistent (RFC 9162) with the
///    latest checkpoint mirrored before, remembered in `DIR/mirror/checkpoint`. A server that
///    forked, rewrote or truncated its history fails here, before anything is written, with
///    both signed checkpoints saved in `DIR/mirror/` in the split-view format `witness` writes;
/// 2. checks that the server still serves, under the copy's last index, the entry it served
///    before (byte for byte);
/// 3. reads the entries from the copy's size up to the checkpoint's (`v1/entries`, pages of 1000
///    with several requests in flight), and for each batch checks that its last entry is
///    included in the checkpoint (`v1/proof`) before ``LogCopyWriter`` checks every entry as
///    `verify` does (chain, time order, the rules of DESIGN §7, each signature under the key
///    active at that point, in parallel on every core) and appends the exact bytes served (a
///    batch is written and synced while the next one is checked);
/// 4. requires the copy's Merkle root at the checkpoint's size to be the checkpoint's root, and
///    only then keeps the checkpoint in the copy's `checkpoints/` as its latest.
///
/// What is durable in `DIR` is a prefix of the served log whose every entry was checked; a killed
/// run leaves such a prefix, and the next run goes on from it.
///
/// ```swift
/// let result = try await LedgerMirror.run(url: "https://ledger.exchange.example/", directory: "/srv/regulator/exchange")
/// print(result.size, result.checkpoint.root.base64)
/// ```
package enum LedgerMirror {
    /// Entries asked for per `v1/entries` request (the server's limit).
    package static let pageSize: Int64 = 1000
    /// Requests for pages kept in flight while the batch before them is checked and written.
    package static let pagesInFlight = 12
    /// Pages checked and written together: enough entries to keep every core busy verifying.
    package static let pagesPerBatch = 8
    /// A batch ends early once its lines reach this many bytes (pages of long lines).
    package static let batchBytes = 32 << 20

    /// Where the copy remembers the latest checkpoint it verified, inside `directory`.
    package static func checkpointFile(in directory: String) -> String { directory + "/mirror/checkpoint" }

    /// Brings the copy in `directory` up to the latest checkpoint served at `url` (creating it
    /// when `directory` does not exist or is empty), signing the reads with `key` (nil for a
    /// ledger served with `--public-read`). `progress` is told the copy's size after each batch
    /// and the size it is going to.
    /// - Throws: ``LedgerClientError/Code/splitView`` (evidence saved) or
    ///   ``LedgerClientError/Code/untrustworthy`` when the server's history or entries do not
    ///   verify — the copy keeps only entries that did, and its latest checkpoint is unchanged;
    ///   ``LedgerClientError/Code/usage`` for a bad directory or local I/O;
    ///   ``LedgerClientError/Code/unreachable`` or ``LedgerClientError/Code/refused`` for the network.
    package static func run(url: String, directory: String, key: PrivateKey? = nil, options: RemoteLedgerOptions = RemoteLedgerOptions(),
                            progress: @Sendable (_ size: Int64, _ target: Int64) -> Void = { _, _ in }) async throws(LedgerClientError) -> MirrorResult {
        let layout = LedgerLayout(directory: directory)
        let existing = try existingManifest(layout)
        var options = options
        if options.checkpointFile == nil { options.checkpointFile = checkpointFile(in: layout.directory) }
        try prepareMemory(layout, existing: existing, options: &options)

        let ledger = try await RemoteLedger.connect(to: url, key: key, options: options)
        do {
            let result = try await mirror(ledger, layout: layout, existing: existing, progress: progress)
            await ledger.close()
            return result
        } catch {
            await ledger.close()
            throw error
        }
    }

    /// The copy's manifest when `layout` holds a ledger; nil when the directory is missing or
    /// empty (a first run); a usage error for anything else.
    private static func existingManifest(_ layout: LedgerLayout) throws(LedgerClientError) -> LedgerManifest? {
        let files = FileManager.default
        var isDirectory: ObjCBool = false
        guard files.fileExists(atPath: layout.directory, isDirectory: &isDirectory) else { return nil }
        guard isDirectory.boolValue else {
            throw LedgerClientError(.usage, "\(layout.directory) is a file; give a new or empty directory for the copy, or the directory of a copy made before")
        }
        if files.fileExists(atPath: layout.manifest) {
            do {
                return try LedgerManifest.read(layout)
            } catch {
                throw LedgerClientError(.usage, "\(layout.directory): \(error.message)")
            }
        }
        let entries = ((try? files.contentsOfDirectory(atPath: layout.directory)) ?? []).filter { $0 != "mirror" }
        guard entries.isEmpty else {
            throw LedgerClientError(.usage, "\(layout.directory) is not empty and holds no ledger (\(entries.sorted().prefix(3).joined(separator: ", "))…); give a new or empty directory for the copy, or the directory of a copy made before")
        }
        return nil
    }

    /// Creates `DIR/mirror/`, pins the operator key of an existing copy, and seeds the checkpoint
    /// memory from the copy's latest checkpoint when the memory file was lost.
    private static func prepareMemory(_ layout: LedgerLayout, existing: LedgerManifest?, options: inout RemoteLedgerOptions) throws(LedgerClientError) {
        let memoryFile = options.checkpointFile!
        let memoryDirectory = (memoryFile as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: memoryDirectory, withIntermediateDirectories: true)
        } catch {
            throw LedgerClientError(.usage, "\(memoryDirectory): cannot create the directory for the remembered checkpoint: \(error.localizedDescription)")
        }
        guard let existing else { return }
        let copyKey: VerifierKey
        do {
            copyKey = try existing.operatorVerifierKey()
        } catch {
            throw LedgerClientError(.usage, "\(layout.manifest): the operator key cannot be a note key: \(error.message)")
        }
        if let given = options.operatorKey, given != copyKey {
            throw LedgerClientError(.usage, "\(layout.directory) is a copy of ledger \(existing.origin) with operator key \(copyKey), not the key you gave (\(given)); mirror into another directory")
        }
        options.operatorKey = copyKey
        if !FileManager.default.fileExists(atPath: memoryFile), FileManager.default.fileExists(atPath: layout.latestCheckpoint) {
            do {
                try FileManager.default.copyItem(atPath: layout.latestCheckpoint, toPath: memoryFile)
            } catch {
                throw LedgerClientError(.usage, "\(memoryFile): cannot restore the remembered checkpoint from \(layout.latestCheckpoint): \(error.localizedDescription)")
            }
        }
    }

    /// Steps 1–4 of a run (see the type's documentation) over a connected ledger.
    private static func mirror(_ ledger: RemoteLedger, layout: LedgerLayout, existing: LedgerManifest?,
                               progress: @Sendable (Int64, Int64) -> Void) async throws(LedgerClientError) -> MirrorResult {
        if let existing, existing.origin != ledger.origin || existing.suite != ledger.suite {
            throw LedgerClientError(.usage, "\(layout.directory) is a copy of ledger \(existing.origin) (\(existing.suite.rawValue)), but \(ledger.url) serves \(ledger.origin) (\(ledger.suite.rawValue)); mirror into another directory")
        }
        let (checkpoint, note) = try await ledger.latestCheckpoint()
        let copy: LogCopyWriter
        do {
            if existing != nil {
                copy = try LogCopyWriter.open(directory: layout.directory)
            } else {
                let manifest = LedgerManifest(origin: ledger.origin, suite: ledger.suite, operatorKey: ledger.verifierKey().publicKey)
                copy = try LogCopyWriter.create(directory: layout.directory, manifest: manifest)
            }
        } catch {
            throw LedgerClientError(.usage, "\(layout.directory): \(error.message)")
        }
        defer { copy.close() }
        let before = copy.size
        let target = checkpoint.size
        try await requireSameLastEntry(ledger, copy: copy, checkpoint: checkpoint)

        var fetcher = PageFetcher(ledger: ledger, from: copy.size, to: target)
        while copy.nextSeq < target {
            var batch: [[UInt8]] = []
            var bytes = 0
            for _ in 0..<pagesPerBatch where bytes < batchBytes {
                guard let page = try await fetcher.next() else { break }
                batch += page
                bytes += page.reduce(0) { $0 + $1.count }
            }
            guard !batch.isEmpty else { break }
            // The proof of the batch's last entry is fetched while the batch is checked.
            let last = batch[batch.count - 1]
            let lastSeq = copy.nextSeq + Int64(batch.count) - 1
            let inclusion = Task { () async -> LedgerClientError? in
                do throws(LedgerClientError) {
                    try await requireIncluded(last, seq: lastSeq, in: checkpoint, ledger: ledger)
                    return nil
                } catch {
                    return error
                }
            }
            let checked: CheckedLines
            do {
                checked = try copy.check(batch)
            } catch {
                inclusion.cancel()
                // A rule broken is the server's lines; anything else is the copy's own disk.
                guard error.code == .rejected else { throw LedgerClientError(.usage, error.message) }
                throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/entries: \(error.message)", violation: error.violation)
            }
            if let failure = await inclusion.value { throw failure }
            do {
                // Written while the next batch is fetched and checked.
                try copy.beginCommit(checked)
            } catch {
                throw LedgerClientError(.usage, "\(layout.directory): \(error.message)")
            }
            progress(copy.size, target)
        }
        do {
            try copy.finishCommit()
        } catch {
            throw LedgerClientError(.usage, "\(layout.directory): \(error.message)")
        }
        progress(copy.size, target)

        guard copy.size >= target else {
            throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/entries: the server signed a checkpoint of size \(target) but served only \(copy.size) entries; its history was truncated or it is broken. Report it to the ledger's regulator")
        }
        let root: Hash32
        do {
            root = try copy.root(size: target)
        } catch {
            throw LedgerClientError(.usage, "\(layout.directory): \(error.message)")
        }
        guard root == checkpoint.root else {
            throw LedgerClientError(.untrustworthy, "\(ledger.url): the \(target) entries served do not have the root of the checkpoint the server signed (size \(target), root \(checkpoint.root.base64); the entries give \(root.base64)): it serves entries other than the ones it signed. The copy's latest checkpoint is unchanged (entries from \(before) on are not confirmed by a checkpoint); report it to the ledger's regulator")
        }
        do {
            try copy.publish(checkpoint: note, size: target)
        } catch {
            throw LedgerClientError(.usage, "\(layout.checkpoints): cannot keep the checkpoint: \(error.message)")
        }
        return MirrorResult(url: ledger.url, directory: layout.directory, checkpoint: checkpoint, before: before, size: copy.size, created: existing == nil)
    }

    /// Throws unless the server serves, under the copy's last index, the very line the copy
    /// holds there (what was mirrored before must not change under it).
    private static func requireSameLastEntry(_ ledger: RemoteLedger, copy: LogCopyWriter, checkpoint: Checkpoint) async throws(LedgerClientError) {
        let last = copy.size - 1
        guard last >= 0 else { return }
        let mine: [UInt8]
        do {
            mine = try copy.line(at: last)
        } catch {
            throw LedgerClientError(.usage, "\(copy.directory): \(error.message)")
        }
        guard let served = try await ledger.lines(from: last, limit: 1).first else {
            throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/entries: the server no longer serves entry \(last), which the copy holds (it signed a checkpoint of size \(checkpoint.size)); its history was truncated. Report it to the ledger's regulator")
        }
        guard served == mine else {
            let hash = ledger.suite.hash
            throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/entries: the server now serves a different entry under index \(last) (leaf hash \(Entry.leafHash(line: served, hash: hash).hex)) than the one the copy holds (\(Entry.leafHash(line: mine, hash: hash).hex)); its history was rewritten. The copy is unchanged; report it to the ledger's regulator")
        }
    }

    /// Throws unless `line`, entry `seq`, is included in `checkpoint` by the server's proof.
    private static func requireIncluded(_ line: [UInt8], seq: Int64, in checkpoint: Checkpoint, ledger: RemoteLedger) async throws(LedgerClientError) {
        let proof: TLogProof
        do {
            proof = try await ledger.inclusionProof(seq: seq, checkpointSize: checkpoint.size)
        } catch {
            // A server that cannot prove an entry it signed and served is not to be followed:
            // nothing of the batch is written.
            guard error.code == .refused, let status = error.wire?.status, status >= 500 || status == 404 else { throw error }
            throw LedgerClientError(.untrustworthy, "\(ledger.url)v1/proof?seq=\(seq)&size=\(checkpoint.size): the server cannot prove that entry \(seq), which it served, is in its checkpoint of size \(checkpoint.size) (\(error.message)); its log or tree changed under the checkpoint. Nothing of this batch was written; report it to the ledger's regulator", wire: error.wire)
        }
        guard proof.extra == line else {
            throw LedgerClientError(.untrustworthy, "\(ledger.url): entry \(seq) served by v1/entries is not the entry the server proves in its checkpoint of size \(checkpoint.size) (v1/proof); it serves entries other than the ones it signed. Nothing of this batch was written; report it to the ledger's regulator")
        }
    }
}
