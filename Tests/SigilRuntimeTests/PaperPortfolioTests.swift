import SigilCore
import SigilPluginAPI
import SigilRuntime
import Testing

@Suite struct PaperPortfolioTests {
    static let usdc = Address(hex: "0x" + String(repeating: "11", count: 20))!
    static let wbtc = Address(hex: "0x" + String(repeating: "22", count: 20))!
    static let other = Address(hex: "0x" + String(repeating: "33", count: 20))!

    /// A V2 pair: token0 USDC (6 decimals), token1 WBTC (8 decimals), 10,000 USDC per BTC.
    static func pool(reserveUSDC: Double = 10_000_000 * 1e6, reserveBTC: Double = 1_000 * 1e8) -> PoolSnapshot {
        var p = PoolSnapshot(address: Address(hex: "0x" + String(repeating: "44", count: 20))!, dex: .uniswapV2)
        p.token0 = usdc
        p.token1 = wbtc
        p.reserve0 = UInt256(UInt64(reserveUSDC))
        p.reserve1 = UInt256(UInt64(reserveBTC))
        return p
    }

    static func signal(_ side: Signal.Side) -> Signal {
        Signal(side: side, pool: pool().address, confidence: 0.9, model: nil, metadata: [:],
               cause: EventID(chainId: 1, blockHash: .zero, logIndex: 0, blockNumber: 1, transactionHash: .zero, transactionIndex: 0))
    }

    @Test func buysTheBaseAtThePoolsOutputAndSellsTheWholePosition() throws {
        let p = PaperPortfolio(cashToken: Self.usdc, decimals: 6, cash: 100_000, tradeSize: 1_000)
        let pool = Self.pool()
        p.mark(pool)
        // "sell" = acquire token1 = WBTC with cash
        let buy = try #require(p.execute(Self.signal(.sell), pool: pool))
        #expect(buy.tokenIn == Self.usdc && buy.tokenOut == Self.wbtc && buy.amountIn == 1_000 * 1e6)
        #expect(buy.amountOut == pool.quote(amountIn: 1_000 * 1e6, tokenIn: Self.usdc))
        #expect(abs(buy.amountOut - 1e9 * 997 * 1e11 / (1e13 * 1000 + 1e9 * 997)) < 1e-3)
        #expect(p.balances[Self.usdc] == 99_000 * 1e6)
        // marked at the pool's price, the position is worth a little less than it cost (fee + impact)
        #expect(p.equity < 100_000 && p.equity > 99_990)
        // "buy" = acquire token0 = cash: sells the whole WBTC position
        let sell = try #require(p.execute(Self.signal(.buy), pool: pool))
        #expect(sell.tokenIn == Self.wbtc && sell.amountIn == buy.amountOut && (p.balances[Self.wbtc] ?? -1) == 0)
        #expect(p.fills == 2 && abs(p.pnl - (p.equity - 100_000)) < 1e-9)
        // nothing to sell now; pools without the cash token are not traded
        #expect(p.execute(Self.signal(.buy), pool: pool) == nil)
        var foreign = pool
        foreign.token0 = Self.other
        #expect(p.execute(Self.signal(.sell), pool: foreign) == nil)
    }
}
