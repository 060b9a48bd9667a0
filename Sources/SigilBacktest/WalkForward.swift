import Foundation
import SigilCore
import SigilFeeds
import SigilContrib
public import SigilModels
import SigilPluginAPI
public import SigilRuntime

/// Out-of-sample signals for the signal strategies that use models: the market blocks are cut
/// into folds; for each fold after the first, every model those strategies use is trained afresh
/// (same plugin features, same architecture as the verified model it stands in for) on the
/// events *before* the fold only, and the whole configuration is run again with it — the same
/// runner, plugins and risk gate as `sigil run`; detectors keep their verified models — keeping
/// the signals made inside the fold. Stitched together, the folds are one signal stream that
/// never saw its own future.
public enum WalkForward {
    /// One model trained for a fold.
    public struct ModelFit: Codable, Sendable {
        public var trainingRows: Int
        public var validationAccuracy: Double
        /// The accuracy of always guessing "up" on the same validation rows.
        public var validationBaseRate: Double
        /// SHA-256 of the weights.
        public var weights: String
    }

    /// One fold: what its models were trained on and what it tested.
    public struct Fold: Codable, Sendable {
        public var index: Int
        /// Training used the events of blocks before this one.
        public var trainedBefore: UInt64
        /// Signals kept: blocks `testFrom..<testUntil`.
        public var testFrom: UInt64
        public var testUntil: UInt64
        /// Rows over every model trained.
        public var trainingRows: Int
        /// Model id → what the fold trained for it.
        public var models: [String: ModelFit]
        /// Model id → SHA-256 of the weights the fold trained.
        public var weights: [String: String]
    }

    /// `folds + 1` block boundaries cutting `first...last` into `folds` equal parts
    /// (the last boundary is `last + 1`).
    public static func boundaries(first: UInt64, last: UInt64, folds: Int) -> [UInt64] {
        guard folds > 0, last >= first else { return [first, last.addingSaturated(1)] }
        // (last − first) · i / folds without overflow, for any blocks a recording names.
        let d = last - first, f = UInt64(folds)
        return (0...folds).map { i in
            i == folds ? last.addingSaturated(1) : first + d / f * UInt64(i) + d % f * UInt64(i) / f
        }
    }

    /// Trains every model the configuration's signal strategies use (those whose plugin detects
    /// nothing) on the recordings' events before `before`, with the features their plugins
    /// declare and the architecture of `verified`. Returns the models to run the fold with (the
    /// trained ones, and the verified ones of every other strategy) and what was trained.
    public static func train(config: SigilConfig, verified: [String: NeuralModel], before: UInt64)
        throws -> (models: [String: NeuralModel], fits: [String: ModelFit])
    {
        let recordings = try ReplayRun.recordings(config.feeds.compactMap { $0.replay?.path })
        var out = verified, fits: [String: ModelFit] = [:]
        for s in config.strategies {
            guard let type = config.plugins.plugin(kind: s.plugin), type.detects.isEmpty else { continue }
            for (role, id) in s.models.sorted(by: { $0.key < $1.key }) where fits[id] == nil {
                guard let features = type.modelFeatures[role] else {
                    throw BacktestError("strategy \(s.name): plugin \(s.plugin) declares no features for its model role '\(role)', so it cannot be retrained per fold")
                }
                guard let current = verified[id] else { throw BacktestError("strategy \(s.name): model \(id) was not verified") }
                let data = try Dataset.build(recordings: recordings, features: features, horizon: Dataset.defaultHorizon, before: before)
                var o = Trainer.Options()
                guard let arch = Trainer.Options.Architecture(rawValue: current.architecture) else {
                    throw BacktestError("model \(id) is a \(current.architecture), which cannot be retrained per fold")
                }
                o.architecture = arch
                o.hidden = current.layers.first?.outputs ?? o.hidden
                let (bytes, report): ([UInt8], Trainer.Report)
                do { (bytes, report) = try Trainer.train(data, o) } catch {
                    throw BacktestError("training \(id) on the blocks before \(before): \(error)")
                }
                let hash = ModelHash.sha256(bytes)
                out[id] = try NeuralModel(safetensors: bytes, reference: ModelReference(id: id, version: 0, weightsHash: hash))
                fits[id] = ModelFit(trainingRows: data.rows, validationAccuracy: report.validationAccuracy,
                                    validationBaseRate: report.validationBaseRate, weights: "\(hash)")
            }
        }
        return (out, fits)
    }

    /// Runs the folds after the first over `config` (already a backtest configuration) between
    /// `first` and `last`, each into `dir/fold-N/`; returns the folds and the model strategies'
    /// signals, each from the fold that made it.
    public static func run(config: SigilConfig, verified: [String: NeuralModel], first: UInt64, last: UInt64, folds: Int,
                           dir: String, progress: (String) -> Void = { _ in }) throws -> (folds: [Fold], signals: [SignalRecord])
    {
        let modelStrategies = Set(config.strategies.filter { s in
            !s.models.isEmpty && (config.plugins.plugin(kind: s.plugin)?.detects.isEmpty ?? false)
        }.map(\.name))
        guard !modelStrategies.isEmpty, folds >= 2 else { return ([], []) }
        let cuts = boundaries(first: first, last: last, folds: folds)
        var done: [Fold] = [], signals: [SignalRecord] = []
        for i in 1..<folds {
            progress("fold \(i) of \(folds - 1): training on blocks \(first)–\(cuts[i] - 1)")
            let trained = try train(config: config, verified: verified, before: cuts[i])
            let foldDir = dir + "/fold-\(i)"
            let c = try Backtest.configure(config, recordings: [], reportDir: foldDir)
            progress("fold \(i) of \(folds - 1): running, keeping blocks \(cuts[i])–\(cuts[i + 1] - 1)")
            let store = try OutputStore(sqlitePath: c.outputs.sqlite, jsonlPath: c.outputs.jsonl)
            _ = try ReplayRun.run(config: c, models: trained.models, store: store)
            try store.close()
            signals += try SignalRecord.read(jsonl: c.outputs.jsonl)
                .filter { modelStrategies.contains($0.strategy) && $0.block >= cuts[i] && $0.block < cuts[i + 1] }
            done.append(Fold(index: i, trainedBefore: cuts[i], testFrom: cuts[i], testUntil: cuts[i + 1],
                             trainingRows: trained.fits.values.reduce(0) { $0 + $1.trainingRows }, models: trained.fits,
                             weights: trained.fits.mapValues(\.weights)))
        }
        return (done, signals)
    }
}
