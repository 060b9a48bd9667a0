import Foundation
public import SigilPluginAPI

/// The features `anomaly-model` scores, from a pool's state after a swap: what the swap did to
/// the pool, and what its account did there lately. `sigil train-model --plugin anomaly-model`
/// builds its training rows with this same code.
public enum AnomalyFeatures {
    public static let names = ["size", "matched", "share", "count", "run"]
    /// The features as the plugin API declares them. Label: none (an autoencoder learns to
    /// reconstruct the rows themselves), so every row is a constant 0.
    public static let definition = ModelFeatures(names: names, row: { compute($0) }, label: { swaps, index, _ in index < swaps.count ? 0 : nil })

    /// Swaps of the pool needed before the features exist.
    public static let minimumHistory = 8
    /// The swaps the flow features look back over (the last one included).
    public static let window = 16
    /// Two swaps going opposite ways match when the amounts of either token differ by at most
    /// this fraction: what one bought, the other sold back.
    public static let matchTolerance = 0.001

    /// The features after the pool's last swap, or nil with too little history. The trader of a
    /// swap is the account that received its output (`SwapPoint.trader`).
    ///
    /// - size: log(1 + 100 × token0 traded / the pool's token0 reserve after the swap): 0.69 at
    ///   1% (V3: virtual reserve L/√P)
    /// - matched: when a swap the other way in the window answers this one with the same
    ///   amount of token0 or of token1 (within 0.1%), the share of the window's swaps so
    ///   answered — volume going back and forth unchanged; else 0 (so a swap that merely lands
    ///   among such volume is not scored for it)
    /// - share: the trader's share of the window's token0 volume
    /// - count: the trader's share of the window's swaps
    /// - run: log(1 + 20 × the token0 the trader moved in its current one-way run — its swaps
    ///   in the window back to its last swap the other way — / the pool's token0 reserve before
    ///   that run): 0.69 for a run of 5% of the pool
    public static func compute(_ pool: PoolSnapshot) -> [Float]? {
        let history = pool.recentSwaps
        guard history.count >= minimumHistory, let last = history.last else { return nil }
        let start = history.count - min(window, history.count)
        let w = history[start...]
        func reserve(_ p: SwapPoint) -> Double {
            guard pool.dex == .uniswapV3 else { return p.liquidity }
            return p.price > 0 && p.price.isFinite ? p.liquidity / p.price.squareRoot() : 0
        }
        func ratio(_ a: Double, _ b: Double) -> Double { b > 0 && a.isFinite && b.isFinite ? max(0, a) / b : 0 }
        let size = log1p(100 * ratio(last.volume0, reserve(last)))

        func same(_ a: Double, _ b: Double) -> Bool { a > 0 && b > 0 && abs(a - b) <= matchTolerance * max(a, b) }
        func answered(_ i: Int) -> Bool {
            let x = w[i]
            return w.indices.contains { j in
                j != i && x.boughtToken0 != w[j].boughtToken0 && (same(x.volume0, w[j].volume0) || same(x.volume1, w[j].volume1))
            }
        }
        let matched = answered(w.endIndex - 1) ? w.indices.filter(answered).count : 0

        var volume = 0.0, own = 0.0, ownSwaps = 0
        for p in w {
            let v = p.volume0.isFinite ? max(0, p.volume0) : 0
            volume += v
            if p.trader == last.trader { own += v; ownSwaps += 1 }
        }

        var run = 0.0, first = history.count - 1
        for i in w.indices.reversed() where history[i].trader == last.trader {
            guard history[i].boughtToken0 == last.boughtToken0 else { break }
            run += history[i].volume0.isFinite ? max(0, history[i].volume0) : 0
            first = i
        }
        let before: Double
        if pool.dex == .uniswapV2 {
            // The pair's token0 reserve before the run's first swap: a sell of token0 added it.
            let f = history[first]
            before = f.boughtToken0 ? f.liquidity + f.volume0 : f.liquidity - f.volume0
        } else {
            before = reserve(first > 0 ? history[first - 1] : history[first])
        }

        let f = [size, Double(matched) / Double(w.count), ratio(own, volume), Double(ownSwaps) / Double(w.count),
                 log1p(20 * ratio(run, before))]
        return f.map { $0.isFinite ? Float($0) : 0 }
    }
}
