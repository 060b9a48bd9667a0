import ModelSignal
import RugPullGuard
public import SigilPluginAPI

/// Every strategy plugin Sigil ships, by its `plugin:` name.
public enum PluginCatalog {
    public static var all: [any StrategyPlugin.Type] { [ModelSignal.self, RugPullGuard.self] }

    public static func plugin(kind: String) -> (any StrategyPlugin.Type)? { all.first { $0.kind == kind } }

    public static var kinds: [String] { all.map { $0.kind }.sorted() }
}
