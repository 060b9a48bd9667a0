import Foundation
public import SigilPluginAPI

/// The features `model-signal` feeds its model, from a pool's recent swaps. The trainer uses
/// this same code to build its dataset, so training and inference cannot drift apart.
public enum SwapFeatures {
    public static let names = ["r1", "r4", "r16", "vol16", "ofi16", "vz16", "liq16"]
    /// The features as the plugin API declares them (`ModelSignal.modelFeatures`).
    public static let definition = ModelFeatures(names: names, row: { compute($0.recentSwaps[...]) },
                                                 label: { label($0, at: $1, horizon: $2) })

    /// Swaps needed before the features exist.
    public static let window = 17

    /// The features after the last swap of `swaps` (oldest first), or nil with too little history.
    ///
    /// - r1, r4, r16: log returns of the price over the last 1, 4 and 16 swaps
    /// - vol16: standard deviation of the last 16 one-swap log returns (realised volatility)
    /// - ofi16: order-flow imbalance, (token0 bought − sold) / traded over the last 16 swaps
    /// - vz16: z-score of the last swap's log volume against the 16 before it
    /// - liq16: log change of the pool's liquidity over the last 16 swaps
    public static func compute(_ swaps: ArraySlice<SwapPoint>) -> [Float]? {
        guard swaps.count >= window else { return nil }
        let s = Array(swaps.suffix(window))
        let n = s.count
        func logRatio(_ a: Double, _ b: Double) -> Double { a > 0 && b > 0 ? log(a / b) : 0 }
        let r1 = logRatio(s[n - 1].price, s[n - 2].price)
        let r4 = logRatio(s[n - 1].price, s[n - 5].price)
        let r16 = logRatio(s[n - 1].price, s[0].price)
        let rets = (1..<n).map { logRatio(s[$0].price, s[$0 - 1].price) }
        let mean = rets.reduce(0, +) / Double(rets.count)
        let vol = (rets.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rets.count)).squareRoot()
        var bought = 0.0, traded = 0.0
        for p in s[1...] {
            traded += p.volume0
            bought += p.boughtToken0 ? p.volume0 : -p.volume0
        }
        let ofi = traded > 0 ? bought / traded : 0
        let logVolumes = s[..<(n - 1)].map { log1p($0.volume0) }
        let vm = logVolumes.reduce(0, +) / Double(logVolumes.count)
        let vs = (logVolumes.map { ($0 - vm) * ($0 - vm) }.reduce(0, +) / Double(logVolumes.count)).squareRoot()
        let vz = vs > 1e-12 ? (log1p(s[n - 1].volume0) - vm) / vs : 0
        let liq = logRatio(s[n - 1].liquidity, s[0].liquidity)
        let f = [r1, r4, r16, vol, ofi, max(-10, min(10, vz)), liq]
        return f.map { $0.isFinite ? Float($0) : 0 }
    }

    /// The training label for the swap at `index`: 1 when the price `horizon` swaps later is
    /// higher, 0 when lower, nil when unknown or unchanged.
    public static func label(_ swaps: [SwapPoint], at index: Int, horizon: Int) -> Float? {
        guard index + horizon < swaps.count else { return nil }
        let now = swaps[index].price, later = swaps[index + horizon].price
        if later > now { return 1 }
        if later < now { return 0 }
        return nil
    }
}
