import ArgumentParser
import Foundation
import SigilBundle
import SigilContrib
import SigilCore
import SigilPluginAPI
import SigilRuntime

/// `sigil train-model`: train a model-signal model on recorded feed data.
struct TrainModel: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train-model",
        abstract: "Train a plugin's model (logistic, MLP or autoencoder) on recorded feed data.",
        discussion: "Deterministic: the same data, options and seed write a byte-identical file."
    )

    @Option(name: .customLong("data"), help: "A recording (.jsonl or .jsonl.gz); repeat for several.")
    var data: [String]

    @Option(help: "Where to write the model (.safetensors).")
    var out: String

    @Option(help: "logistic or mlp (classifiers of the plugin's label), or autoencoder (an anomaly score: trained on ordinary flow).")
    var arch: Trainer.Options.Architecture = .logistic

    @Option(help: "Hidden units (mlp).")
    var hidden: Int = 8

    @Option(help: "The plugin whose model this is: its declared features and labels are used.")
    var plugin: String = "model-signal"

    @Option(help: "Label horizon: the price this many swaps later.")
    var horizon: Int = Dataset.defaultHorizon

    @Option(help: "Maximum epochs.")
    var epochs: Int = 400

    @Option(help: "Random seed of the initial weights.")
    var seed: UInt64 = 1

    func validate() throws {
        guard (1...256).contains(hidden), (1...10_000).contains(epochs), (1...1000).contains(horizon) else {
            throw ValidationError("--hidden 1…256, --epochs 1…10000, --horizon 1…1000")
        }
    }

    func run() throws {
        guard let declared = Components.bundled.plugins.plugin(kind: plugin)?.modelFeatures.sorted(by: { $0.key < $1.key }).first else {
            let users = Components.bundled.plugins.featureSets.map(\.plugin)
            throw ValidationError("plugin '\(plugin)' declares no model features; plugins that do: \(users.joined(separator: ", "))")
        }
        let dataset = try Dataset.build(recordings: try ReplayRun.recordings(data), features: declared.value, horizon: horizon)
        var o = Trainer.Options()
        o.architecture = arch
        o.hidden = hidden
        o.epochs = epochs
        o.seed = seed
        let bar = ProgressBar(total: epochs)
        let (bytes, r) = try Trainer.train(dataset, o) { epoch, epochs, loss in
            bar.show(done: epoch, detail: String(format: "epoch %d/%d, validation loss %.4f (stops early when it no longer improves)", epoch, epochs, loss))
        }
        bar.finish()
        try FileManager.default.createDirectory(atPath: (out as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: out))
        print("\(out): \(arch.rawValue), \(dataset.rows) rows (\(r.trainRows) train, \(r.validationRows) validation), best epoch \(r.bestEpoch) of \(r.epochsRun)")
        if arch == .autoencoder {
            print(String(format: "  reconstruction error train %.4f validation %.4f; validation scores p99 %.2f, p99.9 %.2f, max %.2f",
                         r.trainLoss, r.validationLoss, r.validationScoreP99, r.validationScoreP999, r.validationScoreMax))
        } else {
            print(String(format: "  loss train %.4f validation %.4f; accuracy train %.3f validation %.3f (always-up %.3f)",
                         r.trainLoss, r.validationLoss, r.trainAccuracy, r.validationAccuracy, r.validationBaseRate))
        }
    }
}
