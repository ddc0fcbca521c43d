import ArgumentParser
import FlowLedger
import LedgerVerify

/// `flowledger witness init|vkey|cosign`: a regulator's cosigning of checkpoints after a
/// consistency check (DESIGN §8).
struct WitnessCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "witness",
        abstract: "Cosign a log's checkpoints as a witness, after checking that each extends the last one cosigned.",
        discussion: """
            A witness keeps a state file with the latest checkpoint it cosigned per log, and never cosigns \
            two different roots for one size. Start with `flowledger keygen --out witness.pem` (Ed25519), then \
            `witness init`; give `witness vkey` to verifiers, who check with `verify-proof --witness-key`.
            Exit codes: 0 cosigned, 1 refused (bad signature or split view: evidence is written next to the \
            state), 2 usage or I/O (also: a consistency proof is needed).
            """,
        subcommands: [Init.self, Vkey.self, Cosign.self, ServeWitness.self])

    /// `flowledger witness init --key KEY.pem --name NAME --state STATE.json`
    struct Init: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create an empty witness state for the witness key and name; print the cosigner verifier key.")

        @Option(help: "The witness's private key (Ed25519 PEM, mode 0600), from `flowledger keygen`.")
        var key: String

        @Option(help: "The witness's key name in cosignature lines, e.g. regulator.example (no spaces or '+').")
        var name: String

        @Option(help: "The state file to create.")
        var state: String

        func run() throws {
            let witness = try WitnessCommand.witness(name: name, keyPath: key)
            try WitnessCommand.failing { () throws(WitnessError) in
                try WitnessState(witnessKey: witness.verifierKey).save(to: state, create: true)
            }
            Output.raw("created witness state \(state)\nwitness \(name)\nvkey \(witness.verifierKey.string)\n")
        }
    }

    /// `flowledger witness vkey (--state STATE.json | --key KEY.pem --name NAME)`
    struct Vkey: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the witness's cosigner verifier key (name+keyid+base64), for `--witness-key`.")

        @Option(help: "A witness state file (no private key needed).")
        var state: String?

        @Option(help: "The witness's private key (with --name).")
        var key: String?

        @Option(help: "The witness's key name (with --key).")
        var name: String?

        func validate() throws {
            guard (state != nil) != (key != nil || name != nil), state != nil || (key != nil && name != nil) else {
                throw ValidationError("give either --state, or --key and --name")
            }
        }

        func run() throws {
            if let state {
                Output.line(try WitnessCommand.failing { () throws(WitnessError) in try WitnessState.load(from: state) }.witnessKey.string)
            } else {
                Output.line(try WitnessCommand.witness(name: name!, keyPath: key!).verifierKey.string)
            }
        }
    }

    /// `flowledger witness cosign --state STATE.json --key KEY.pem --vkey VKEY --checkpoint FILE [--proof FILE] [--out FILE]`
    struct Cosign: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Verify a checkpoint and its consistency with the last one cosigned, then cosign it.",
            discussion: """
                Prints the checkpoint with the witness's cosignature line added (or writes it to --out), and \
                remembers it in the state. Cosigning the same checkpoint again prints the note as cosigned then. \
                A checkpoint that contradicts one cosigned before (same size and another root, or a consistency \
                proof that fails) is a split view: refused with exit 1, the state unchanged, and both signed \
                checkpoints written as evidence next to the state.
                """)

        @Option(help: "The witness state file (from `witness init`).")
        var state: String

        @Option(help: "The witness's private key (PEM, mode 0600).")
        var key: String

        @Option(help: "The log operator's verifier key (name+keyid+base64), @FILE, or a file holding it.")
        var vkey: String

        @Option(help: "The signed checkpoint to cosign.")
        var checkpoint: String

        @Option(help: "A consistency proof from the last checkpoint cosigned for this log (what `prove --old M [--json]` prints).")
        var proof: String?

        @Option(help: "Write the cosigned checkpoint to this file instead of stdout.")
        var out: String?

        func run() throws {
            // One cosign at a time per state: two processes deciding from the same old state
            // could otherwise cosign two roots for one size.
            guard AtomicFile.exists(state) else {
                _ = try WitnessCommand.failing { () throws(WitnessError) in try WitnessState.load(from: state) }  // says how to create one
                return
            }
            try AtomicFile.withLock(state) { try cosign() }
        }

        private func cosign() throws {
            let current = try WitnessCommand.failing { () throws(WitnessError) in try WitnessState.load(from: state) }
            let witness = try WitnessCommand.witness(name: current.witnessKey.name, keyPath: key)
            let operatorKey = try VerifierKeyArgument.parse(vkey, option: "--vkey")
            let bytes = try FileInput.readAll(checkpoint, limit: Note.maxBytes)
            let consistency = try proof.map { path in
                let proofBytes = try FileInput.readAll(path, limit: Note.maxBytes)
                do throws(NoteError) {
                    return try ProofFile.consistency(proofBytes)
                } catch {
                    throw CommandFailure("\(path): \(error.message)")
                }
            }
            let time = UInt64(Timestamp.now().seconds)
            let decision = try WitnessCommand.failing { () throws(WitnessError) in
                try witness.cosign(bytes, operatorKey: operatorKey, proof: consistency, state: current, time: time)
            }
            switch decision {
            case .cosigned(let note, let cosigned, let next):
                if next != current {
                    try WitnessCommand.failing { () throws(WitnessError) in try next.save(to: state) }
                }
                try emit(note, "cosigned \(cosigned.origin) size \(cosigned.size) root \(cosigned.root.base64)")
            case .alreadyCosigned(let note, let cosigned):
                try emit(note, "already cosigned \(cosigned.origin) size \(cosigned.size) root \(cosigned.root.base64); unchanged")
            case .refused(let refusal):
                var lines = [refusal.message] + refusal.details
                if let evidence = refusal.evidence {
                    let path = try WitnessCommand.failing { () throws(WitnessError) in try evidence.write(directory: AtomicFile.parent(of: state)) }
                    lines.append("evidence (both signed checkpoints): \(path); keep it and report it")
                }
                throw CommandFailure(lines.joined(separator: "\n  "), exit: .rejected)
            }
        }

        /// The cosigned note to --out (with a line on stdout saying so) or to stdout.
        private func emit(_ note: String, _ summary: String) throws {
            guard let out else { return Output.raw(note) }
            try WitnessCommand.failing { () throws(WitnessError) in try AtomicFile.write(Array(note.utf8), to: out) }
            Output.line("\(summary); wrote \(out)")
        }
    }

    /// The witness for `name` with the key at `keyPath`.
    static func witness(name: String, keyPath: String) throws -> Witness {
        let key = try KeyFile.read(keyPath)
        return try failing { () throws(WitnessError) in try Witness(name: name, key: key) }
    }

    /// Runs `body`; a ``WitnessError`` is a usage or I/O failure (exit 2).
    static func failing<T>(_ body: () throws(WitnessError) -> T) throws -> T {
        do {
            return try body()
        } catch {
            throw CommandFailure(error.message)
        }
    }
}
