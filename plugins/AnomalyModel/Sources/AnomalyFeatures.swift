import Foundation
public import SigilPluginAPI

/// The features `anomaly-model` scores, from a pool's state after a swap. `sigil train-model
/// --plugin anomaly-model` builds its training rows with this same code.
public enum AnomalyFeatures {
    public static let names = ["impact", "size", "vz16", "surprise", "same_block", "reversal", "liq16"]
    /// The features as the plugin API declares them. Label: none (an autoencoder learns to
    /// reconstruct the rows themselves), so every row is a constant 0.
    public static let definition = ModelFeatures(names: names, row: { compute($0) }, label: { swaps, index, _ in index < swaps.count ? 0 : nil })

    /// Swaps needed before the features exist.
    public static let window = 17

    /// The features after the pool's last swap, or nil with too little history.
    ///
    /// - impact: |log| of the price change the swap made
    /// - size: log(1 + token0 traded / the pool's token0 liquidity) (V3: virtual reserves L/√P)
    /// - vz16: z-score of the swap's log volume against the 16 swaps before it (±10)
    /// - surprise: |the swap's log return| over the standard deviation of the 15 before it (≤ 50)
    /// - same_block: swaps of the pool in this block so far, this one included (≤ 20)
    /// - reversal: 1 when an earlier swap of this block went the other way, else 0
    /// - liq16: log change of the pool's liquidity over the last 16 swaps
    public static func compute(_ pool: PoolSnapshot) -> [Float]? {
        let swaps = pool.recentSwaps
        guard swaps.count >= window else { return nil }
        let s = Array(swaps.suffix(window))
        let n = s.count, last = s[n - 1]
        func logRatio(_ a: Double, _ b: Double) -> Double { a > 0 && b > 0 && a.isFinite && b.isFinite ? log(a / b) : 0 }
        let r1 = logRatio(last.price, s[n - 2].price)
        var reserve0 = last.liquidity
        if pool.dex == .uniswapV3 { reserve0 = last.price > 0 ? last.liquidity / last.price.squareRoot() : 0 }
        let size = reserve0 > 0 ? log1p(last.volume0 / reserve0) : 0
        let logVolumes = s[..<(n - 1)].map { log1p($0.volume0) }
        let vm = logVolumes.reduce(0, +) / Double(logVolumes.count)
        let vs = (logVolumes.map { ($0 - vm) * ($0 - vm) }.reduce(0, +) / Double(logVolumes.count)).squareRoot()
        let vz = vs > 1e-12 ? (log1p(last.volume0) - vm) / vs : 0
        let rets = (1..<(n - 1)).map { logRatio(s[$0].price, s[$0 - 1].price) }
        let rm = rets.reduce(0, +) / Double(rets.count)
        let sd = (rets.map { ($0 - rm) * ($0 - rm) }.reduce(0, +) / Double(rets.count)).squareRoot()
        let surprise = min(50, abs(r1) / max(sd, 1e-9))
        var sameBlock = 0, reversal = false
        for p in swaps.reversed() {
            guard p.block == last.block else { break }
            sameBlock += 1
            if p.boughtToken0 != last.boughtToken0 { reversal = true }
        }
        let f = [abs(r1), size, max(-10, min(10, vz)), surprise, Double(min(sameBlock, 20)), reversal ? 1 : 0,
                 logRatio(last.liquidity, s[0].liquidity)]
        return f.map { $0.isFinite ? Float($0) : 0 }
    }
}
