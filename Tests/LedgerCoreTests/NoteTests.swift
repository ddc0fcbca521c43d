import LedgerCore
import LedgerCrypto
import LedgerTestSupport
import Testing

@Suite("Signed notes and checkpoints (C2SP, Go sumdb/note)")
struct NoteTests {
    @Test func publicSumGolangOrgCheckpointVerifiesUnderItsPublishedKey() throws {
        let file = try Fixtures.json("vectors/sumdb-checkpoint.json")
        let vkey = try VerifierKey(string: "sum.golang.org+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8")
        let (checkpoint, _) = try Checkpoint.open(Array((file["note"] as! String).utf8), verifiers: [vkey], origin: "go.sum database tree")
        #expect(checkpoint.size == 65_664_258)
        #expect(checkpoint.root.hex == file["root_hash_hex"] as! String)
        for other in file["additional_checkpoints"] as! [[String: Any]] {
            #expect(throws: Never.self) { try Checkpoint.open(Array((other["note"] as! String).utf8), verifiers: [vkey]) }
        }
        let tampered = (file["note"] as! String).replacingOccurrences(of: "65664258", with: "65664259")
        let error = try #require(throws: NoteError.self) { try Checkpoint.open(Array(tampered.utf8), verifiers: [vkey]) }
        #expect(error.code == .invalidSignature)
    }

    @Test func goNoteDocumentationExamplesVerify() throws {
        let file = try Fixtures.json("vectors/go-note-examples.json")
        let peter = try VerifierKey(string: file["peter_vkey"] as! String)
        let enoch = try VerifierKey(string: file["enoch_vkey"] as! String)
        let (note, verified) = try Note.open(Array((file["signed_note"] as! String).utf8), verifiers: [peter])
        #expect(note.text == file["text"] as! String)
        #expect(verified == [peter])
        let (double, both) = try Note.open(Array((file["doubly_signed_note"] as! String).utf8), verifiers: [peter, enoch])
        #expect(double.signatures.count == 2 && both.count == 2)
        // Unknown keys are ignored; with no trusted key the note is unverified.
        #expect(try Note.open(Array((file["doubly_signed_note"] as! String).utf8), verifiers: [enoch]).verifiedBy == [enoch])
        let unverified = try #require(throws: NoteError.self) { try Note.open(Array((file["signed_note"] as! String).utf8), verifiers: [enoch]) }
        #expect(unverified.code == .unverified)
        #expect(unverified.message.contains("PeterNeumann+c74f20a3"))
    }

    @Test func noteWeSignHasTheKeyIDAndBytesGoComputes() throws {
        let file = try Fixtures.json("vectors/go-note-examples.json")
        let key = try PrivateKey.ed25519(seed: Fixtures.bytes(hex: file["peter_seed_hex"] as! String))
        let signer = try NoteSigner(name: "PeterNeumann", key: key)
        #expect(signer.verifierKey.string == file["peter_vkey"] as! String)
        #expect(try signer.sign(file["text"] as! String).serialized == file["signed_note"] as! String)
    }

    @Test(arguments: Suite.allCases)
    func operatorCheckpointSignsAndOpensInBothSuites(_ suite: Suite) throws {
        let origin = "exchange.sh.gov.example/2026"
        let signer = try NoteSigner(name: origin, key: try PrivateKey.generate(suite: suite))
        let checkpoint = Checkpoint(origin: origin, size: 42, root: HashAlgorithm.sha256.hash([1]))
        let note = try signer.sign(checkpoint.text)
        let vkey = try VerifierKey(string: signer.verifierKey.string)
        #expect(vkey == signer.verifierKey)
        let (opened, _) = try Checkpoint.open(Array(note.serialized.utf8), verifiers: [vkey], origin: origin)
        #expect(opened == checkpoint)
        // Key id per DESIGN §8, computed independently here.
        let typeBytes: [UInt8] = suite == .ed25519SHA256 ? [0x01] : [0xff] + Array("flowledger/sm2-sm3\n".utf8)
        let digest = HashAlgorithm.sha256.hash(Array(origin.utf8) + [0x0a] + typeBytes + signer.verifierKey.publicKey.rawBytes)
        #expect(Note.hex(vkey.keyID) == Hex.encode(digest.bytes.prefix(4)))
        let wrong = try #require(throws: NoteError.self) { try Checkpoint.open(Array(note.serialized.utf8), verifiers: [vkey], origin: "other/log") }
        #expect(wrong.code == .wrongOrigin)
    }

    @Test func witnessCosignatureVerifiesAndBindsItsTimestamp() throws {
        let origin = "exchange.sh.gov.example/2026"
        let operatorSigner = try NoteSigner(name: origin, key: try PrivateKey.generate(suite: .ed25519SHA256))
        let witness = try NoteSigner(name: "regulator.example/witness", key: try PrivateKey.generate(suite: .ed25519SHA256), cosigner: true)
        let text = Checkpoint(origin: origin, size: 7, root: HashAlgorithm.sha256.hash([7])).text
        let note = try operatorSigner.sign(text).adding([try witness.signature(over: text, timestamp: 1_795_000_000)])
        let (_, verified) = try Note.open(Array(note.serialized.utf8), verifiers: [operatorSigner.verifierKey, witness.verifierKey])
        #expect(verified.count == 2)
        #expect(VerifierKey.cosignatureTimestamp(note.signatures[1].bytes) == 1_795_000_000)
        var forged = note.signatures[1].bytes
        forged[7] ^= 1  // change the timestamp
        let tampered = try Note(text: text, signatures: [note.signatures[0], Note.Signature(name: witness.name, keyID: witness.verifierKey.keyID, bytes: forged)])
        #expect(throws: NoteError.self) { try Note.open(Array(tampered.serialized.utf8), verifiers: [witness.verifierKey]) }
        #expect(witness.verifierKey.string.split(separator: "+")[2].hasPrefix("B"))  // type byte 0x04
    }

    static let malformed: [(String, String, String)] = [
        ("no blank line", "a\n— x AAAAAAA=\n", "no blank line"),
        ("no signatures", "a\n\n", "no signature lines"),
        ("missing dash", "a\n\n- x AAAAAAA=\n", "em dash"),
        ("bad base64", "a\n\n— x AAAA?AA=\n", "base64"),
        ("short signature", "a\n\n— x AAAA\n", "too short"),
        ("control character", "a\tb\n\n— x AAAAAAA=\n", "control character"),
        ("plus in name", "a\n\n— x+y AAAAAAA=\n", "invalid key name"),
        ("duplicate key", "a\n\n— x AAAAAAA=\n— x AAAAAAA=\n", "repeats key"),
    ]

    @Test func malformedNotesSayWhatIsWrong() {
        for (name, text, expected) in Self.malformed {
            do {
                _ = try Note(parsing: Array(text.utf8))
                Issue.record("\(name): accepted")
            } catch {
                #expect(error.code == .malformedNote, "\(name)")
                #expect(error.message.contains(expected), "\(name): \(error.message)")
            }
        }
    }

    @Test func malformedCheckpointsAndVerifierKeysAreRejected() throws {
        for text in ["o\n\n" , "o\n01\nAAAA\n", "o\n1\nAAAA\n", "\n1\n" + Hash32.zero.base64 + "\n", "o\n1\n" + Hash32.zero.base64 + "\n\n"] {
            #expect(throws: NoteError.self, "\(text)") { try Checkpoint(text: text) }
        }
        for vkey in ["nohash", "name+033de0ae+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "sum.golang.org+033DE0AE+Ac4zctda0e5eza+HJyk9SxEdh+s3Ux18htTTAD8OuAn8", "x+00000000+BQ=="] {
            #expect(throws: NoteError.self, "\(vkey)") { try VerifierKey(string: vkey) }
        }
    }

    @Test func fuzzedNotesNeverTrap() throws {
        let file = try Fixtures.json("vectors/go-note-examples.json")
        let vkey = try VerifierKey(string: file["peter_vkey"] as! String)
        var corpus = [Array((file["doubly_signed_note"] as! String).utf8)] + Self.malformed.map { Array($0.1.utf8) }
        corpus += try FuzzCorpus.load("note")
        var random = SeededRandom(seed: 2014)
        for round in 0..<5_000 {
            var input = corpus[round % corpus.count]
            FuzzCorpus.mutate(&input, using: &random)
            _ = try? Note.open(input, verifiers: [vkey])
            _ = try? Checkpoint(text: String(decoding: input, as: UTF8.self))
            _ = try? TLogProof(text: String(decoding: input, as: UTF8.self))
        }
    }
}
