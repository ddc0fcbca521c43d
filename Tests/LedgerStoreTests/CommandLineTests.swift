import FlowLedger
import Foundation
import LedgerCore
import LedgerStore
import LedgerTestSupport
import Testing

/// The `flowledger` commands of DESIGN §10 as a user runs them: a real process, real files.
/// Output, error text and exit codes are pinned (0 success, 1 rejected or damaged, 2 usage/I/O).
@Suite("flowledger command line (CommandLine)")
final class CommandLineTests {
    private let work: String
    private let origin = "exchange.cli.example/2026"

    init() throws { work = try temporaryDirectory().path }
    /// Tests that never use `work` leave nothing behind either (one suite value per test).
    deinit { try? FileManager.default.removeItem(atPath: work) }

    private func flowledger(_ arguments: String..., stdin: String? = nil) throws -> (status: Int32, out: String, err: String) {
        let result = try run([flowledgerPath] + arguments, stdin: stdin.map { Data($0.utf8) })
        return (result.status, String(decoding: result.stdout, as: UTF8.self), result.stderr)
    }

    private func keygen(_ name: String) throws -> (path: String, key: PrivateKey) {
        let path = work + "/\(name).pem"
        let result = try flowledger("keygen", "--out", path)
        #expect(result.status == 0, "\(result.err)")
        return (path, try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8)))
    }

    /// A ledger made with `init`, with a provider and a recipient registered through `append`.
    private func makeLedger() throws -> (directory: String, op: String, ride: String, rideKey: PrivateKey) {
        let op = try keygen("operator")
        let ride = try keygen("ride")
        let transport = try keygen("transport")
        let directory = work + "/ledger"
        let created = try flowledger("init", directory, "--origin", origin, "--operator-key", op.path, "--operator-id", "ops.exchange")
        #expect(created.status == 0, "\(created.err)")
        let registrations = """
            {"type": "party.registered", "id": "reg-ride", "at": "2026-11-23T08:00:00Z", "body": {"party": "ride.example", "name": "Ride", "kind": "enterprise", "roles": ["provider"], "key": "\(ride.key.publicKey.string)"}}
            {"type": "party.registered", "id": "reg-transport", "at": "2026-11-23T08:00:00Z", "body": {"party": "transport.sh", "name": "Transport", "kind": "government", "roles": ["recipient"], "key": "\(transport.key.publicKey.string)"}}

            """
        let appended = try flowledger("append", directory, "--key", op.path, "--author", "ops.exchange", "-", stdin: registrations)
        #expect(appended.status == 0, "\(appended.err)")
        return (directory, op.path, ride.path, ride.key)
    }

    @Test
    func keygenWritesA0600KeyAndPrintsItsPublicKeyAndKeyID() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let path = work + "/k.pem"
        let result = try flowledger("keygen", "--suite", "sm2-sm3", "--out", path)
        #expect(result.status == 0)
        let key = try PrivateKey(pem: String(contentsOfFile: path, encoding: .utf8))
        #expect(result.out == "key \(key.publicKey.string)\nkey-id \(key.publicKey.keyID)\n")
        #expect(key.suite == .sm2SM3)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(!result.out.contains("PRIVATE"))

        let again = try flowledger("keygen", "--out", path)
        #expect(again.status == 2)
        #expect(again.err == "flowledger: error: \(path): cannot create the key file: the file exists; refusing to replace a key (choose another path or remove it first)\n")
        let badSuite = try flowledger("keygen", "--suite", "rsa", "--out", work + "/r.pem")
        #expect(badSuite.status == 2)
        #expect(badSuite.err == "flowledger: error: --suite: unknown crypto suite \"rsa\"; expected \"ed25519-sha256\" or \"sm2-sm3\"\n")
    }

    @Test
    func initPrintsTheLedgerAndRefusesToOverwriteIt() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let op = try keygen("operator")
        let directory = work + "/ledger"
        let result = try flowledger("init", directory, "--origin", origin, "--operator-key", op.path, "--operator-id", "ops.exchange")
        #expect(result.status == 0)
        let vkey = try NoteSigner(name: origin, key: op.key).verifierKey.string
        #expect(result.out == """
            created ledger \(directory)
            origin \(origin)
            suite ed25519-sha256
            operator ops.exchange key-id \(op.key.publicKey.keyID)
            vkey \(vkey)

            """)
        #expect(try flowledger("vkey", directory).out == vkey + "\n")
        let again = try flowledger("init", directory, "--origin", origin, "--operator-key", op.path, "--operator-id", "ops.exchange")
        #expect(again.status == 2)
        #expect(again.err == "flowledger: error: \(directory) already holds a ledger (\(directory)/ledger.json exists); refusing to initialize over it\n")
        let badOrigin = try flowledger("init", work + "/other", "--origin", "has space", "--operator-key", op.path, "--operator-id", "ops.exchange")
        #expect(badOrigin.status == 2)
        #expect(badOrigin.err == "flowledger: error: --origin: \"has space\" is not a valid origin: 1–128 printable ASCII characters without spaces or '+'\n")
    }

    @Test
    func keyFilesReadableByOthersAreRefused() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let op = try keygen("operator")
        chmod(op.path, 0o644)
        let result = try flowledger("init", work + "/ledger", "--origin", origin, "--operator-key", op.path, "--operator-id", "ops.exchange")
        #expect(result.status == 2)
        #expect(result.err == "flowledger: error: \(op.path): the key file is readable by others (mode 644); a private key must be mode 0600: run `chmod 600 \(op.path)`\n")
        #expect(!FileManager.default.fileExists(atPath: work + "/ledger"))
    }

    /// What opening rebuilt is said on stderr, apart from the receipts on stdout; a clean open
    /// says nothing.
    @Test
    func appendSaysOnStderrWhenTheWriterStateSnapshotWasRebuilt() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let event = """
            {"type":"dataset.cataloged","id":"cat","at":"2026-11-23T09:00:00Z","body":{"dataset":"trips","title":"Trips","sharing":"open","level":"general","fields":["end"]}}

            """
        try FileManager.default.removeItem(atPath: LedgerLayout(directory: ledger.directory).writerState)
        let rebuilt = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: event)
        #expect(rebuilt.status == 0 && rebuilt.out.hasSuffix("\"seq\":3}\n"), "\(rebuilt.err)")
        #expect(rebuilt.err == "flowledger: note: there was no state snapshot in \(ledger.directory)/index/state.sqlite (new, deleted or emptied): every entry was replayed, and one was written\n")
        let again = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: event)
        #expect(again.status == 0 && again.out == rebuilt.out && again.err == "")
    }

    @Test
    func appendPrintsReceiptsAndIsIdempotentWithIdAndAt() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let events = """
            {"type":"dataset.cataloged","id":"cat","at":"2026-11-23T09:00:00Z","body":{"dataset":"trips","title":"Trips","sharing":"conditional","level":"important","fields":["end","start"]}}
            {"type":"exchange.sent","id":"x1","at":"2026-11-23T09:00:00Z","body":{"exchange":"x1","dataset":"trips","recipient":"transport.sh","purpose":"supervision","fields":["end"],"records":3,"bytes":10,"digest":"\(String(repeating: "ab", count: 32))"}}

            """
        let first = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: events)
        #expect(first.status == 0, "\(first.err)")
        let reader = try LedgerReader(directory: ledger.directory)
        #expect(first.out == "{\"hash\":\"\(try reader.leafHash(at: 3).hex)\",\"seq\":3}\n{\"hash\":\"\(try reader.leafHash(at: 4).hex)\",\"seq\":4}\n")
        let before = try directoryContents(ledger.directory)
        let second = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: events)
        #expect(second.status == 0)
        #expect(second.out == first.out)
        #expect(try directoryContents(ledger.directory) == before)
    }

    @Test
    func signThenAppendSignedRoundTrips() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let signed = try flowledger("sign", "--key", ledger.ride, "--author", "ride.example", "--origin", origin,
                                    stdin: "{\"type\":\"dataset.cataloged\",\"id\":\"cat\",\"body\":{\"dataset\":\"trips\",\"title\":\"Trips\",\"sharing\":\"open\",\"level\":\"general\",\"fields\":[\"a\"]}}\n")
        #expect(signed.status == 0, "\(signed.err)")
        let event = try SignedEvent(json: CanonicalJSONParser.parse(Array(signed.out.dropLast().utf8)))
        #expect(event.verify(with: ledger.rideKey.publicKey, origin: origin))
        let appended = try flowledger("append", ledger.directory, "--signed", stdin: signed.out)
        #expect(appended.status == 0, "\(appended.err)")
        #expect(appended.out.hasSuffix("\"seq\":3}\n"))
    }

    @Test
    func nonCanonicalAndOversizedSignedLinesAreRejectedAndChangeNothing() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let signed = try flowledger("sign", "--key", ledger.ride, "--author", "ride.example", "--origin", origin,
                                    stdin: "{\"type\":\"dataset.cataloged\",\"id\":\"cat\",\"body\":{\"dataset\":\"trips\",\"title\":\"Trips\",\"sharing\":\"open\",\"level\":\"general\",\"fields\":[\"a\"]}}\n").out
        let before = try directoryContents(ledger.directory)
        let spaced = signed.replacingOccurrences(of: "{\"event\":", with: "{\"event\": ")
        let nonCanonical = try flowledger("append", ledger.directory, "--signed", stdin: spaced)
        #expect(nonCanonical.status == 1)
        #expect(nonCanonical.err == "flowledger: error: stdin line 1: event: not canonical JSON at byte 10: whitespace is not allowed in canonical JSON (expected a value) (signed lines must be canonical: sorted keys, no spaces; `flowledger sign` writes them); this line and the ones after it were not appended\n")
        let oversized = try flowledger("append", ledger.directory, "--signed", stdin: String(repeating: "x", count: CanonicalJSON.maxLineBytes + 1) + "\n")
        #expect(oversized.status == 1)
        #expect(oversized.err == "flowledger: error: stdin line 1: 65536 bytes is longer than the 65535-byte limit of an entry line (DESIGN §4); shorten the event's text or field lists\n")
        let unending = try flowledger("append", ledger.directory, "--signed", stdin: String(repeating: "x", count: 1 << 20) + "\n")
        #expect(unending.status == 1)
        #expect(unending.err == "flowledger: error: stdin line 1: longer than the 65535-byte limit of an entry line (DESIGN §4); shorten the event's text or field lists (one event per line)\n")
        #expect(try directoryContents(ledger.directory) == before)
    }

    @Test
    func anInputLineTooLongWhileTheLedgerOpensEndsTheCommandCleanlyEveryTime() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let before = try directoryContents(ledger.directory)
        // The line is read while the ledger opens in the background; the command must wait for
        // the opening before it exits (it crashed at exit about one run in twelve).
        let oversized = String(repeating: "x", count: CanonicalJSON.maxLineBytes + 1) + "\n"
        for run in 1...30 {
            let result = try flowledger("append", ledger.directory, "--signed", stdin: oversized)
            guard result.status == 1, result.err == "flowledger: error: stdin line 1: 65536 bytes is longer than the 65535-byte limit of an entry line (DESIGN §4); shorten the event's text or field lists\n" else {
                Issue.record("run \(run): exit \(result.status): \(result.err.prefix(600))")
                return
            }
        }
        #expect(try directoryContents(ledger.directory) == before)
    }

    @Test
    func aRejectedLineStopsTheAppendAfterTheLinesBeforeIt() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let input = """
            {"type":"dataset.cataloged","id":"cat","body":{"dataset":"trips","title":"Trips","sharing":"open","level":"general","fields":["a"]}}
            {"type":"exchange.sent","id":"x1","body":{"exchange":"x1","dataset":"trips","recipient":"ride.example","purpose":"p","fields":["a"],"records":1,"bytes":1,"digest":"\(String(repeating: "0", count: 64))"}}
            {"type":"exchange.sent","id":"x2","body":{"exchange":"x2","dataset":"trips","recipient":"transport.sh","purpose":"p","fields":["a"],"records":1,"bytes":1,"digest":"\(String(repeating: "0", count: 64))"}}

            """
        let result = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example", stdin: input)
        #expect(result.status == 1)
        #expect(result.out.hasSuffix("\"seq\":3}\n") && result.out.split(separator: "\n").count == 1)
        #expect(result.err == "flowledger: error: stdin line 2: rule 7 (notCrossBoundary) at seq 4, event \"x1\" by ride.example, field event.body.recipient: ride.example cannot send to itself: an exchange crosses a boundary to another party; this line and the ones after it were not appended\n")
        #expect(try LedgerReader(directory: ledger.directory).size == 4)
    }

    /// `append --signed` parses its first lines while the ledger opens: an unreadable line there,
    /// past the first chunk of 256, still stops the append after the lines before it.
    @Test
    func anUnreadableSignedLineStopsTheAppendAfterTheLinesBeforeIt() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let unsigned = (0..<300).map { n in
            "{\"type\":\"exchange.sent\",\"id\":\"e\(n)\",\"body\":{\"exchange\":\"e\(n)\",\"dataset\":\"trips\",\"recipient\":\"transport.sh\",\"purpose\":\"p\",\"fields\":[\"a\"],\"records\":1,\"bytes\":1,\"digest\":\"\(String(repeating: "0", count: 64))\"}}\n"
        }.joined()
        let cataloged = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example",
                                       stdin: "{\"type\":\"dataset.cataloged\",\"id\":\"cat\",\"body\":{\"dataset\":\"trips\",\"title\":\"Trips\",\"sharing\":\"open\",\"level\":\"general\",\"fields\":[\"a\"]}}\n")
        #expect(cataloged.status == 0, "\(cataloged.err)")
        let signed = try flowledger("sign", "--key", ledger.ride, "--author", "ride.example", "--origin", origin, stdin: unsigned)
        #expect(signed.status == 0, "\(signed.err)")
        var lines = signed.out.split(separator: "\n").map(String.init)
        lines[279] = "{\"event\":"  // line 280
        let size = try LedgerReader(directory: ledger.directory).size
        let result = try flowledger("append", ledger.directory, "--signed", stdin: lines.joined(separator: "\n") + "\n")
        #expect(result.status == 1)
        #expect(result.out.split(separator: "\n").count == 279)
        #expect(result.err.hasPrefix("flowledger: error: stdin line 280: ") && result.err.hasSuffix("; this line and the ones after it were not appended\n"), "\(result.err)")
        #expect(try LedgerReader(directory: ledger.directory).size == size + 279)
    }

    @Test
    func checkpointAndProveInTextAndJSON() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let ledger = try makeLedger()
        let checkpoint = try flowledger("checkpoint", ledger.directory, "--key", ledger.op)
        #expect(checkpoint.status == 0, "\(checkpoint.err)")
        let vkey = try VerifierKey(string: try flowledger("vkey", ledger.directory).out.trimmingCharacters(in: .newlines))
        let (opened, _) = try Checkpoint.open(Array(checkpoint.out.utf8), verifiers: [vkey], origin: origin)
        #expect(opened.size == 3)
        #expect(try String(contentsOfFile: ledger.directory + "/checkpoints/latest", encoding: .utf8) == checkpoint.out)

        let text = try flowledger("prove", ledger.directory, "--seq", "1")
        #expect(text.status == 0, "\(text.err)")
        #expect(try TLogProof(text: text.out).verify(verifiers: [vkey], hash: .sha256, origin: origin).size == 3)
        let json = try flowledger("prove", ledger.directory, "--seq", "1", "--json")
        let reader = try LedgerReader(directory: ledger.directory)
        let path = try reader.inclusionProof(seq: 1, size: 3).map { "\"\($0.hex)\"" }.joined(separator: ",")
        #expect(json.out == "{\"index\":1,\"leaf\":\"\(try reader.leafHash(at: 1).hex)\",\"path\":[\(path)],\"size\":3}\n")

        let wrong = try flowledger("checkpoint", ledger.directory, "--key", ledger.ride)
        #expect(wrong.status == 2)
        #expect(wrong.err.contains("is not this ledger's operator key"))
        _ = try flowledger("append", ledger.directory, "--key", ledger.ride, "--author", "ride.example",
                           stdin: "{\"type\":\"dataset.cataloged\",\"id\":\"cat\",\"body\":{\"dataset\":\"trips\",\"title\":\"Trips\",\"sharing\":\"open\",\"level\":\"general\",\"fields\":[\"a\"]}}\n")
        #expect(try flowledger("checkpoint", ledger.directory, "--key", ledger.op).status == 0)
        let consistency = try flowledger("prove", ledger.directory, "--old", "3", "--json")
        let consistencyPath = try reader.consistencyProof(old: 3, new: 4).map { "\"\($0.hex)\"" }.joined(separator: ",")
        #expect(consistency.out == "{\"new\":4,\"old\":3,\"path\":[\(consistencyPath)]}\n")
        let outOfRange = try flowledger("prove", ledger.directory, "--seq", "9")
        #expect(outOfRange.status == 2)
        #expect(outOfRange.err == "flowledger: error: entry 9 is not covered by the checkpoint of size 4 (it covers entries 0…3); publish a newer checkpoint with `flowledger checkpoint`\n")
    }

    @Test
    func usageErrorsExitTwoWithAClearMessage() throws {
        defer { try? FileManager.default.removeItem(atPath: work) }
        let unknown = try flowledger("vkey", work, "--bogus")
        #expect(unknown.status == 2)
        #expect(unknown.err.hasPrefix("flowledger: error: Unknown option '--bogus'\n"))
        let missing = try flowledger("append", work + "/none", "--signed", "-", stdin: "")
        #expect(missing.status == 2)
        #expect(missing.err == "flowledger: error: \(work)/none does not exist: give the directory of a ledger (it holds ledger.json and log/); `flowledger init` creates a new one\n")
        let both = try flowledger("prove", work, "--seq", "1", "--old", "2")
        #expect(both.status == 2)
        #expect(both.err.hasPrefix("flowledger: error: give either --seq (inclusion) or --old (consistency)\n"))
        let help = try flowledger("--help")
        #expect(help.status == 0)
        for command in ["keygen", "init", "append", "sign", "checkpoint", "prove", "vkey"] {
            #expect(help.out.contains("  \(command) "), "help lists \(command)")
        }
    }
}
