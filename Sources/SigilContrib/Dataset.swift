import Foundation
import SigilChain
import SigilCore
import SigilFeeds
public import SigilPluginAPI
import SigilRuntime

/// Feature rows and labels built from recorded feed data with the feature code a plugin declares
/// for its model (`StrategyPlugin.modelFeatures`).
public struct Dataset: Sendable {
    public var featureNames: [String]
    /// Row-major `rows × featureNames.count`.
    public var features: [Float]
    public var labels: [Float]
    public var rows: Int { labels.count }

    public init(featureNames: [String], features: [Float], labels: [Float]) {
        self.featureNames = featureNames
        self.features = features
        self.labels = labels
    }

    /// The label horizon `sigil train-model` uses unless told otherwise (swaps ahead).
    public static let defaultHorizon = 8

    /// Replays `recordings` through the pool book and labels every swap that has features with
    /// the declared label `horizon` swaps later (no label: skipped). Rows come out in the order
    /// the swaps happened. With `before`, only events of earlier blocks are read, so no row and
    /// no label depends on anything at or after that block (a walk-forward fold's training data).
    public static func build(recordings: [(path: String, chainId: UInt64)], features: ModelFeatures, horizon: Int,
                             before: UInt64? = nil) throws -> Dataset {
        struct Pending { var order: Int; var features: [Float]; var index: Int }
        var pendingByPool: [Address: [Pending]] = [:]
        var historyByPool: [Address: [SwapPoint]] = [:]
        var order = 0
        for rec in recordings {
            let decoder = FrameDecoder(chainId: rec.chainId)
            let recording = try Recording(path: rec.path)
            var book = PoolBook()
            try recording.forEachFrame { frame in
                guard case .event(let e, _)? = try? decoder.decode(frame), before.map({ e.id.blockNumber < $0 }) ?? true,
                      let pool = book.apply(e) else { return }
                guard e.payload.kind == "v2.swap" || e.payload.kind == "v3.swap", let last = pool.recentSwaps.last,
                      last.block == e.id.blockNumber else { return }
                historyByPool[pool.address, default: []].append(last)
                if let f = features.row(pool) {
                    pendingByPool[pool.address, default: []].append(Pending(order: order, features: f, index: historyByPool[pool.address]!.count - 1))
                    order += 1
                }
            }
        }
        var labelled: [(order: Int, features: [Float], label: Float)] = []
        for (pool, items) in pendingByPool {
            let history = historyByPool[pool] ?? []
            for item in items {
                if let y = features.label(history, item.index, horizon) { labelled.append((item.order, item.features, y)) }
            }
        }
        labelled.sort { $0.order < $1.order }
        return Dataset(featureNames: features.names, features: labelled.flatMap(\.features), labels: labelled.map(\.label))
    }
}
