public import SigilPluginAPI
import Synchronization

/// The coordinator's private held-out data: recordings turned into rows with the features of
/// the model being scored (found among the registered plugins by the model's feature names),
/// built once per feature set.
public final class HeldOutSet: Sendable {
    let recordings: [(path: String, chainId: UInt64)]
    let horizon: Int
    let plugins: PluginRegistry
    let built = Mutex<[[String]: Dataset]>([:])

    public init(recordings: [(path: String, chainId: UInt64)], horizon: Int, plugins: PluginRegistry) {
        self.recordings = recordings
        self.horizon = horizon
        self.plugins = plugins
    }

    /// A held-out set of rows built already (its feature names say which models it scores).
    public init(_ dataset: Dataset) {
        recordings = []
        horizon = 0
        plugins = PluginRegistry([])
        built.withLock { $0[dataset.featureNames] = dataset }
    }

    /// Builds the rows of every feature set the plugins declare now (a bad recording fails here,
    /// at start-up, not at the first submission).
    public func prepare() throws {
        for f in plugins.featureSets { _ = try dataset(for: f.features.names) }
    }

    /// The rows for a model reading `featureNames`.
    public func dataset(for featureNames: [String]) throws -> Dataset {
        if let d = built.withLock({ $0[featureNames] }) { return d }
        guard !recordings.isEmpty, let features = plugins.features(named: featureNames) else {
            throw ContribError("no held-out rows for a model reading \(featureNames): no registered plugin computes these features")
        }
        let d = try Dataset.build(recordings: recordings, features: features, horizon: horizon)
        built.withLock { $0[featureNames] = d }
        return d
    }
}
