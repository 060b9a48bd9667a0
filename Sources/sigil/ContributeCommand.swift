import ArgumentParser
import Foundation
import SigilBundle
import SigilChain
import SigilContrib
import SigilCoordinator
import SigilCore
import SigilModels
import SigilRuntime

/// `sigil contribute …`: improve a community model and submit the update.
struct ContributeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contribute",
        abstract: "Fine-tune a community model on your data and package a signed update.",
        subcommands: [Finetune.self, Submit.self, Status.self]
    )

    struct Finetune: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune a verified base model on recorded feed data; write a signed update package.",
            discussion: "Deterministic: the same base, data, options and seed write byte-identical weights."
        )

        @Option(help: "Model id: a name (hashed with keccak256) or 0x + 64 hex digits.")
        var model: String

        @Option(help: "The base version, or 'latest'.")
        var version: ModelVersionSelector = .latest

        @Option(help: "The base weights file (default: the registry entry's uri, when it is a local file).")
        var base: String?

        @Option(name: .customLong("data"), help: "A recording (.jsonl or .jsonl.gz); repeat for several.")
        var data: [String]

        @Option(help: "The package directory to write.")
        var out: String

        @Option(help: "The keystore holding the contributor's key (see `sigil key new`).")
        var keystore: String

        @OptionGroup var password: KeyCommand.PasswordOptions
        @OptionGroup var registryOptions: RegistryOptions

        @Option(help: "Random seed (mini-batch order).")
        var seed: UInt64 = 1

        @Option(help: "Maximum epochs.")
        var epochs: Int = 60

        @Option(help: "Rows per mini-batch.")
        var batchSize: Int = 64

        @Option(help: "Adam learning rate.")
        var learningRate: Float = 0.002

        @Option(help: "Decoupled weight decay.")
        var weightDecay: Float = 1e-4

        @Option(help: "Label horizon: the price this many swaps later (as the base was trained).")
        var horizon: Int = 8

        func validate() throws {
            guard !data.isEmpty else { throw ValidationError("give at least one --data recording") }
            guard (1...10_000).contains(epochs), (1...1_000_000).contains(batchSize), learningRate > 0, weightDecay >= 0 else {
                throw ValidationError("--epochs 1…10000, --batch-size ≥ 1, --learning-rate > 0, --weight-decay ≥ 0")
            }
        }

        func run() async throws {
            do {
                let key = try KeystoreFile.open(keystore, password: try password.source())
                let (registry, publishers) = try registryOptions.resolve()
                let recordings = try ReplayRun.recordings(data)
                var o = FineTuner.Options()
                o.epochs = epochs
                o.batchSize = batchSize
                o.learningRate = learningRate
                o.weightDecay = weightDecay
                o.seed = seed
                let request = Contributor.Finetune(model: model, version: version,
                                                   baseFile: base, recordings: recordings, horizon: horizon, options: o)
                let bar = ProgressBar(total: o.epochs)
                let outcome = try await Contributor.finetune(request, registry: registry, plugins: Components.bundled.plugins,
                                                             allowedPublishers: publishers.isEmpty ? nil : Set(publishers), key: key) { p in
                    bar.show(done: p.epoch, detail: String(format: "epoch %d/%d, train %.4f, validation %.4f, ETA %.0f s", p.epoch, p.epochs,
                                                           p.trainLoss, p.validationLoss, p.eta.secondsValue))
                }
                bar.finish()
                try outcome.package.write(to: out)
                let r = outcome.result, m = outcome.package.manifest
                print("\(out): update of \(model) version \(outcome.base.version) (base \(m.baseHash))")
                print("  \(outcome.rows) rows (\(r.trainRows) train, \(r.validationRows) local validation); best epoch \(r.bestEpoch) of \(r.epochsRun)")
                print(String(format: "  local validation loss %.4f (base %.4f), accuracy %.3f", r.validationLoss, r.baseValidationLoss, r.validationAccuracy))
                print("  new weights sha256 \(m.newHash); data fingerprint \(m.dataFingerprint)")
                print("  signed by \(m.contributor), nonce \(m.nonce)")
            } catch {
                FileHandle.standardError.write(Data("sigil contribute finetune: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
    }

    struct Submit: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Submit an update package to a coordinator; prints its verdict.")

        @Argument(help: "The package directory (from `sigil contribute finetune`).")
        var package: String

        @Option(help: "The coordinator's URL.")
        var coordinator: String = ProcessInfo.processInfo.environment["SIGIL_COORDINATOR"] ?? "http://127.0.0.1:8600"

        @Option(help: "The contributor's keystore: the package must be signed by its key.")
        var keystore: String

        @OptionGroup var password: KeyCommand.PasswordOptions

        func run() async throws {
            do {
                let key = try KeystoreFile.open(keystore, password: try password.source())
                let p = try UpdatePackage.read(from: package)
                try p.checkSigned(by: key.address)
                let v = try await CoordinatorClient(baseURL: coordinator).submit(p)
                print(CoordinatorClient.line(v))
                if v.verdict != "accepted" { throw ExitCode(1) }
            } catch let e as ExitCode {
                throw e
            } catch {
                FileHandle.standardError.write(Data("sigil contribute submit: \(TerminalText.escaped("\(error)"))\n".utf8))
                throw ExitCode(2)
            }
        }
    }

    struct Status: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Each submission's verdict, reason, scores and reward.")

        @Option(help: "The coordinator's URL.")
        var coordinator: String = ProcessInfo.processInfo.environment["SIGIL_COORDINATOR"] ?? "http://127.0.0.1:8600"

        @Option(help: "Only this contributor's submissions.")
        var contributor: Address?

        func validate() throws {
        }

        func run() async throws {
            let client = CoordinatorClient(baseURL: coordinator)
            do {
                let rows = try await client.submissions(contributor: contributor)
                for r in rows { print(CoordinatorClient.line(r)) }
                let t = try await client.totals()
                print("ledger: \(t.submissions) submissions, \(t.accepted) accepted, rewards \(t.rewards)")
            } catch {
                FileHandle.standardError.write(Data("sigil contribute status: \(TerminalText.escaped("\(error)"))\n".utf8))
                throw ExitCode(2)
            }
        }
    }

}
