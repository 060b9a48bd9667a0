import Foundation
public import SigilCore
public import SigilPluginAPI

extension PoolSnapshot {
    /// What the pool pays for `amountIn` raw units of `tokenIn`, as the pool computes it: V2's
    /// constant product with its 0.3% fee; V3 within the current tick range (the in-range
    /// liquidity and price of the last swap), with the pool's fee. Nil when the pool's state is
    /// not known yet or `tokenIn` is not one of its tokens.
    public func quote(amountIn: Double, tokenIn: Address) -> Double? {
        guard amountIn > 0, let t0 = token0, let t1 = token1, tokenIn == t0 || tokenIn == t1 else { return nil }
        let zeroForOne = tokenIn == t0
        switch dex {
        case .uniswapV2:
            let (rIn, rOut) = zeroForOne ? (reserve0.doubleValue, reserve1.doubleValue) : (reserve1.doubleValue, reserve0.doubleValue)
            guard rIn > 0, rOut > 0 else { return nil }
            let inWithFee = amountIn * 997
            return inWithFee * rOut / (rIn * 1000 + inWithFee)
        case .uniswapV3:
            let liquidity = activeLiquidity
            let sqrtP = sqrtPriceX96.doubleValue / 79228162514264337593543950336.0
            guard liquidity > 0, sqrtP > 0 else { return nil }
            let inEff = amountIn * (1 - Double(fee) / 1_000_000)
            if zeroForOne {
                let next = liquidity * sqrtP / (liquidity + inEff * sqrtP)
                return liquidity * (sqrtP - next)
            } else {
                let next = sqrtP + inEff / liquidity
                return liquidity * (1 / sqrtP - 1 / next)
            }
        }
    }
}
