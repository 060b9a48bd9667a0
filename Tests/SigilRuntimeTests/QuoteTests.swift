import Foundation
import SigilChain
import SigilCore
import SigilFeeds
import SigilPluginAPI
import SigilRuntime
import SigilTestSupport
import Testing

/// The paper fills' quotes against what the real Uniswap contracts paid in the recording.
@Suite struct QuoteTests {
    @Test func quotesEqualWhatThePoolsPaid() throws {
        let decoder = FrameDecoder(chainId: try ReplayFeed.Settings(name: "r",
            path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz").resolvedChainId())
        var book = PoolBook()
        var before: [Address: PoolSnapshot] = [:]  // each pool's state before its current swap
        var checked = (v2: 0, v3: 0)
        var worst = (v2: 0.0, v3: 0.0)
        try Recording(path: Peers.root + "/data/replay/sigil-scenarios.jsonl.gz").forEachFrame { frame in
            guard case .event(let e, _) = try decoder.decode(frame) else { return }
            let prior = book[e.emitter]
            switch e.payload {
            case .v2Sync:
                if let prior { before[e.emitter] = prior }  // the Sync that precedes a Swap updates reserves first
            case .v2Swap(_, _, let a0in, let a1in, let a0out, let a1out):
                guard let pool = before[e.emitter], let t0 = pool.token0, let t1 = pool.token1, !pool.reserve0.isZero else { break }
                let (amountIn, tokenIn, paid) = a0in.isZero ? (a1in.doubleValue, t1, a0out.doubleValue) : (a0in.doubleValue, t0, a1out.doubleValue)
                if let q = pool.quote(amountIn: amountIn, tokenIn: tokenIn), paid > 0 {
                    worst.v2 = max(worst.v2, max(0, abs(q - paid) - 1) / paid)  // the pair floors to whole units
                    checked.v2 += 1
                }
            case .v3Swap(_, _, let a0, let a1, _, _, _):
                guard let pool = prior, let t0 = pool.token0, let t1 = pool.token1, !pool.sqrtPriceX96.isZero, pool.dex == .uniswapV3 else { break }
                let (amountIn, tokenIn, paid) = a0.isNegative ? (a1.doubleValue, t1, a0.magnitude.doubleValue) : (a0.doubleValue, t0, a1.magnitude.doubleValue)
                // Only swaps that stay in one range: the bundled pools hold full-range liquidity.
                if let q = pool.quote(amountIn: amountIn, tokenIn: tokenIn), paid > 0, pool.positionLiquidity <= pool.activeLiquidity * 1.000001 {
                    worst.v3 = max(worst.v3, max(0, abs(q - paid) - 1) / paid)
                    checked.v3 += 1
                }
            default:
                break
            }
            _ = book.apply(e)
        }
        #expect(checked.v2 > 3000 && checked.v3 > 1000, "\(checked)")
        #expect(worst.v2 < 1e-9, "V2 quotes within 1e-9 of the pair's integer maths: \(worst.v2)")
        #expect(worst.v3 < 1e-6, "V3 in-range quotes within 1e-6: \(worst.v3)")
    }
}
