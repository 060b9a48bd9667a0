/// The strategy plugins a build knows, by `plugin:` name. The runtime is handed one (the
/// bundled plugins are registered in SigilBundle); it never names a concrete plugin.
public struct PluginRegistry: @unchecked Sendable {
    // Metatypes are immutable values; the array is never mutated after init.
    public let all: [any StrategyPlugin.Type]

    public init(_ plugins: [any StrategyPlugin.Type]) { all = plugins }

    public func plugin(kind: String) -> (any StrategyPlugin.Type)? { all.first { $0.kind == kind } }

    public var kinds: [String] { all.map { $0.kind }.sorted() }

    /// The feature set some plugin declares for a model reading exactly `names`, in order: how
    /// `contribute finetune` and the coordinator build training and held-out rows for a model
    /// without knowing its plugin.
    public func features(named names: [String]) -> ModelFeatures? {
        for p in all {
            for f in p.modelFeatures.values where f.names == names { return f }
        }
        return nil
    }

    /// Every declared feature set, with the plugin and role declaring it.
    public var featureSets: [(plugin: String, role: String, features: ModelFeatures)] {
        all.flatMap { p in p.modelFeatures.sorted { $0.key < $1.key }.map { (p.kind, $0.key, $0.value) } }
    }
}
